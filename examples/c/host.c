/*
 * A C agent host using libmemcore: the whole flow of one coding session.
 *
 *   open a store -> start a session -> record what happens (a prompt, tool calls, the
 *   assistant's answer) -> distil observations with the heuristic extractor (no LLM) ->
 *   summarise -> search -> render the context the next session starts with -> close.
 *
 * Build and run (scripts/test-c.sh does this, under valgrind):
 *
 *   cargo build -p memcore-ffi
 *   gcc -Wall -Wextra -std=c11 -Iinclude examples/c/host.c -Ltarget/debug -lmemcore \
 *       -Wl,-rpath,$PWD/target/debug -o host
 *   ./host [store-path]        (default: a fresh temporary store, removed at the end)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memcore.h"

/* Stops the program with the library's explanation when a call fails. */
static void check(MemcoreStatus status, const char *what) {
    if (status != MEMCORE_OK) {
        fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status,
                memcore_last_error_message());
        exit(EXIT_FAILURE);
    }
}

/* Prints the string value of `"key":"..."` in a JSON document, decoding the common escapes.
 * (A real host would use its JSON library; this keeps the example dependency-free.) */
static void print_string_field(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = json ? strstr(json, pattern) : NULL;
    if (p == NULL) return;
    for (p += strlen(pattern); *p && *p != '"'; p++) {
        if (*p != '\\') {
            putchar(*p);
            continue;
        }
        switch (*++p) {
        case 'n': putchar('\n'); break;
        case 't': putchar('\t'); break;
        case '\0': return;
        default: putchar(*p); break; /* \" \\ \/ (and \u as its letters) */
        }
    }
    putchar('\n');
}

/* Records one event of session "c-demo-1". */
static void record(MemcoreStore *store, const char *payload) {
    char event[2048];
    snprintf(event, sizeof event, "{\"v\":1,\"session_id\":\"c-demo-1\",\"payload\":%s}",
             payload);
    int64_t id = 0;
    bool inserted = false;
    check(memcore_event_record(store, event, &id, &inserted), "memcore_event_record");
    printf("  event %lld %s\n", (long long)id, inserted ? "recorded" : "already recorded");
}

int main(int argc, char **argv) {
    if (memcore_abi_version() != MEMCORE_ABI_VERSION) {
        fprintf(stderr, "libmemcore ABI %u, header ABI %d\n", memcore_abi_version(),
                MEMCORE_ABI_VERSION);
        return EXIT_FAILURE;
    }
    printf("libmemcore %s\n", memcore_version());

    char dir[] = "/tmp/memcore-c-host-XXXXXX";
    char path[128];
    bool temporary = argc < 2;
    if (temporary) {
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            return EXIT_FAILURE;
        }
        snprintf(path, sizeof path, "%s/memory.db", dir);
    } else {
        snprintf(path, sizeof path, "%s", argv[1]);
    }

    /* 1. Open (or create) the store. */
    MemcoreStore *store = NULL;
    check(memcore_open(path, NULL, &store), "memcore_open");
    printf("opened %s\n", path);

    /* 2. Start a session in a project. The resolver gives the name every host agrees on. */
    char *project = NULL;
    check(memcore_resolve_project("c-demo", ".", &project), "memcore_resolve_project");
    char session[256];
    snprintf(session, sizeof session,
             "{\"v\":1,\"id\":\"c-demo-1\",\"project\":\"%s\",\"agent\":\"c-host\"}", project);
    check(memcore_session_start(store, session, NULL), "memcore_session_start");

    /* 3. Record what happens, as it happens. Secrets are redacted on the way in; recording
     *    the same tool_use_id twice stores it once. */
    printf("recording events\n");
    record(store, "{\"type\":\"user_prompt\",\"text\":\"The login endpoint accepts expired "
                  "tokens. Fix it. (staging key: sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"
                  "ABCDEFGHIJKLMN)\"}");
    record(store, "{\"type\":\"tool_use\",\"tool_name\":\"Read\",\"input\":{\"file_path\":"
                  "\"src/auth/token.rs\"},\"output\":\"pub fn is_expired(exp: u64, now_ms: u64) "
                  "-> bool { exp < now_ms }\",\"tool_use_id\":\"toolu_01\"}");
    const char *edit =
        "{\"type\":\"tool_use\",\"tool_name\":\"Edit\",\"input\":{\"file_path\":"
        "\"src/auth/token.rs\",\"old_string\":\"exp < now_ms\",\"new_string\":\"exp * 1000 < "
        "now_ms\"},\"output\":\"The file src/auth/token.rs has been updated.\","
        "\"tool_use_id\":\"toolu_02\"}";
    record(store, edit);
    record(store, edit); /* a retried hook: not stored twice */
    record(store, "{\"type\":\"tool_use\",\"tool_name\":\"Bash\",\"input\":{\"command\":"
                  "\"cargo test auth\"},\"output\":\"test result: ok. 12 passed; 0 failed\","
                  "\"tool_use_id\":\"toolu_03\"}");
    record(store, "{\"type\":\"assistant_message\",\"text\":\"Fixed: token expiry was in "
                  "seconds and compared with milliseconds. The auth tests pass.\"}");

    /* 4. Distil observations by rules (no LLM, no cost), and summarise the session. */
    char *run = NULL;
    check(memcore_extract_heuristic(store, project, &run), "memcore_extract_heuristic");
    printf("heuristic extraction: %s\n", run);
    memcore_string_free(run);
    char *summary = NULL;
    check(memcore_summarize_heuristic(store, "c-demo-1", &summary), "memcore_summarize");
    printf("summary: %s\n", summary ? summary : "(nothing to summarise)");
    memcore_string_free(summary);
    check(memcore_session_end(store, "c-demo-1", NULL), "memcore_session_end");

    /* 5. Search, as a tool the agent calls. */
    char request[512];
    snprintf(request, sizeof request,
             "{\"v\":1,\"query\":\"token expiry milliseconds\",\"scope\":{\"project\":\"%s\"},"
             "\"limit\":3}",
             project);
    char *hits = NULL;
    check(memcore_search(store, request, &hits), "memcore_search");
    printf("search: %s\n", hits);
    memcore_string_free(hits);

    /* 6. The context the next session starts with: markdown within a token budget. */
    snprintf(request, sizeof request,
             "{\"v\":1,\"purpose\":\"session_start\",\"scope\":{\"project\":\"%s\"},"
             "\"budget\":800}",
             project);
    char *context = NULL;
    check(memcore_context(store, request, &context), "memcore_context");
    printf("context for the next session:\n");
    print_string_field(context, "text");
    memcore_string_free(context);

    char *stats = NULL;
    check(memcore_stats(store, project, &stats), "memcore_stats");
    printf("stats: %s\n", stats);
    memcore_string_free(stats);

    /* 7. Close. Everything was durable the moment each call returned. */
    memcore_string_free(project);
    memcore_close(store);

    if (temporary) {
        const char *suffixes[] = {"", "-wal", "-shm"};
        char file[160];
        for (size_t i = 0; i < 3; i++) {
            snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
            unlink(file);
        }
        rmdir(dir);
    }
    return EXIT_SUCCESS;
}
