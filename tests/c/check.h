/*
 * A few assertion macros for the C tests of libmemcore, and a temporary store directory.
 *
 * The checks do not stop at the first failure: each prints where it failed (with the library's
 * last error), and check_report() prints the totals and gives the exit status. Define
 * _POSIX_C_SOURCE before including this header (for mkdtemp).
 */
#ifndef MEMCORE_TESTS_CHECK_H
#define MEMCORE_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memcore.h"

static int check_passed = 0;
static int check_failed = 0;

/* A condition that must hold. */
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (cond) {                                                                        \
            check_passed++;                                                                \
        } else {                                                                           \
            check_failed++;                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (0)

/* A call that must return `expected`; on a mismatch the library's last error is shown. */
#define CHECK_STATUS(call, expected)                                                       \
    do {                                                                                   \
        MemcoreStatus check_status_ = (call);                                              \
        if (check_status_ == (expected)) {                                                 \
            check_passed++;                                                                \
        } else {                                                                           \
            check_failed++;                                                                \
            fprintf(stderr, "%s:%d: %s returned %d, expected %s (%d); last error: %s\n",   \
                    __FILE__, __LINE__, #call, (int)check_status_, #expected,              \
                    (int)(expected), memcore_last_error_message());                        \
        }                                                                                  \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, MEMCORE_OK)

/* A string (possibly NULL) that must contain `needle`. */
#define CHECK_CONTAINS(text, needle)                                                       \
    do {                                                                                   \
        const char *check_text_ = (text);                                                  \
        if (check_text_ != NULL && strstr(check_text_, (needle)) != NULL) {                \
            check_passed++;                                                                \
        } else {                                                                           \
            check_failed++;                                                                \
            fprintf(stderr, "%s:%d: %s does not contain \"%s\": %.300s\n", __FILE__,      \
                    __LINE__, #text, (needle), check_text_ ? check_text_ : "(NULL)");      \
        }                                                                                  \
    } while (0)

/* A string (possibly NULL) that must not contain `needle`. */
#define CHECK_LACKS(text, needle)                                                          \
    do {                                                                                   \
        const char *check_text_ = (text);                                                  \
        if (check_text_ != NULL && strstr(check_text_, (needle)) == NULL) {                \
            check_passed++;                                                                \
        } else {                                                                           \
            check_failed++;                                                                \
            fprintf(stderr, "%s:%d: %s contains \"%s\" (or is NULL): %.300s\n", __FILE__, \
                    __LINE__, #text, (needle), check_text_ ? check_text_ : "(NULL)");      \
        }                                                                                  \
    } while (0)

/* Prints the totals; returns the process exit status. */
static inline int check_report(const char *suite) {
    printf("%s: %d checks passed, %d failed\n", suite, check_passed, check_failed);
    return check_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* A store file in a fresh temporary directory, removed (with its WAL files) at the end. */
typedef struct {
    char dir[64];
    char path[96];
} TempStore;

static inline void temp_store_init(TempStore *t) {
    strcpy(t->dir, "/tmp/memcore-c-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        perror("mkdtemp");
        exit(EXIT_FAILURE);
    }
    snprintf(t->path, sizeof t->path, "%s/memory.db", t->dir);
}

static inline void temp_store_remove(TempStore *t) {
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    char file[128];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(file, sizeof file, "%s%s", t->path, suffixes[i]);
        unlink(file);
    }
    rmdir(t->dir);
}

/* Opens a store at t->path with the default config, or exits. */
static inline MemcoreStore *open_or_exit(const TempStore *t) {
    MemcoreStore *store = NULL;
    if (memcore_open(t->path, NULL, &store) != MEMCORE_OK) {
        fprintf(stderr, "cannot open %s: %s\n", t->path, memcore_last_error_message());
        exit(EXIT_FAILURE);
    }
    return store;
}

#endif /* MEMCORE_TESTS_CHECK_H */
