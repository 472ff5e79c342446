//! Claude Code transcript import. (Being written.)
