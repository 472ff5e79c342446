//! Elision of oversized tool output. (Being written.)
