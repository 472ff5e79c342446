/*
 * One handle used from 4 threads at once: every write lands exactly once, idempotency and
 * deduplication hold across threads, each thread sees its own last error, and concurrent
 * extraction claims hand every pending event to exactly one thread. Then 4 threads with a
 * handle each on the same file.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>

#include "check.h"

#define THREADS 4
#define UNIQUE_EVENTS 30
#define REPEATED_EVENTS 10
#define NOTES 10
#define MAX_EVENT_ID 4096

static MemcoreStore *shared;
static const char *shared_path;

typedef struct {
    int index;
    int failures;          /* calls that did not return what they should */
    int64_t event_ids[UNIQUE_EVENTS];
    int inserted;          /* events reported as newly inserted */
    int64_t shared_note;   /* id of the note every thread adds */
    bool shared_was_duplicate;
    int claimed_requests;
    int64_t claimed[MAX_EVENT_ID];
    int claimed_count;
} Worker;

#define EXPECT(cond)                                                                       \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            w->failures++;                                                                 \
            fprintf(stderr, "thread %d, %s:%d: %s (last error: %s)\n", w->index, __FILE__, \
                    __LINE__, #cond, memcore_last_error_message());                        \
        }                                                                                  \
    } while (0)

static void *write_and_read(void *arg) {
    Worker *w = arg;
    char json[512];
    snprintf(json, sizeof json,
             "{\"v\":1,\"id\":\"t%d\",\"project\":\"threads\",\"agent\":\"c\"}", w->index);
    EXPECT(memcore_session_start(shared, json, NULL) == MEMCORE_OK);

    for (int i = 0; i < UNIQUE_EVENTS + REPEATED_EVENTS; i++) {
        int key = i % UNIQUE_EVENTS;
        snprintf(json, sizeof json,
                 "{\"v\":1,\"session_id\":\"t%d\",\"payload\":{\"type\":\"tool_use\","
                 "\"tool_name\":\"Read\",\"input\":{\"file_path\":\"src/t%d/file%d.rs\"},"
                 "\"output\":\"fn f%d() {}\",\"tool_use_id\":\"t%d-%d\"}}",
                 w->index, w->index, key, key, w->index, key);
        int64_t id = 0;
        bool inserted = false;
        EXPECT(memcore_event_record(shared, json, &id, &inserted) == MEMCORE_OK);
        if (i < UNIQUE_EVENTS) {
            EXPECT(inserted);
            w->event_ids[i] = id;
        } else {
            EXPECT(!inserted && id == w->event_ids[key]);
        }
        w->inserted += inserted;

        /* A failure of this thread's own, while the others keep succeeding. */
        if (i % 10 == 0) {
            char missing[32];
            snprintf(missing, sizeof missing, "missing-t%d-%d", w->index, i);
            EXPECT(memcore_session_end(shared, missing, NULL) == MEMCORE_ERR_NOT_FOUND);
            sched_yield();
            EXPECT(memcore_last_error_code() == MEMCORE_ERR_NOT_FOUND);
            EXPECT(strstr(memcore_last_error_message(), missing) != NULL);
        }
    }

    for (int i = 0; i < NOTES; i++) {
        snprintf(json, sizeof json,
                 "{\"v\":1,\"project\":\"threads\",\"session_id\":\"t%d\",\"kind\":\"discovery\","
                 "\"title\":\"thread %d learned fact %d\",\"narrative\":\"written concurrently\"}",
                 w->index, w->index, i);
        bool duplicate = true;
        EXPECT(memcore_observation_add(shared, json, NULL, &duplicate) == MEMCORE_OK);
        EXPECT(!duplicate);
        char *out = NULL;
        EXPECT(memcore_search(shared, "{\"v\":1,\"query\":\"learned fact\",\"scope\":{\"project\":"
                                      "\"threads\"},\"limit\":5}",
                              &out) == MEMCORE_OK);
        EXPECT(out != NULL && strstr(out, "learned fact") != NULL);
        memcore_string_free(out);
        EXPECT(memcore_recent(shared, "threads", 3, &out) == MEMCORE_OK);
        memcore_string_free(out);
    }
    EXPECT(memcore_observation_add(shared,
                                   "{\"v\":1,\"project\":\"threads\",\"title\":\"every thread "
                                   "adds this one\"}",
                                   &w->shared_note, &w->shared_was_duplicate) == MEMCORE_OK);
    char *stats = NULL;
    EXPECT(memcore_stats(shared, "threads", &stats) == MEMCORE_OK);
    memcore_string_free(stats);
    return NULL;
}

/* Reads the numbers of `"event_ids":[...]` in a request. */
static void collect_event_ids(Worker *w, const char *request) {
    const char *p = strstr(request, "\"event_ids\":[");
    EXPECT(p != NULL);
    if (p == NULL) return;
    p += strlen("\"event_ids\":[");
    while (*p && *p != ']') {
        char *end = NULL;
        long long id = strtoll(p, &end, 10);
        if (end == p) break;
        if (w->claimed_count < MAX_EVENT_ID) w->claimed[w->claimed_count++] = id;
        p = (*end == ',') ? end + 1 : end;
    }
}

static void *claim_and_complete(void *arg) {
    Worker *w = arg;
    for (;;) {
        char *request = NULL;
        EXPECT(memcore_extraction_next(shared, "threads", &request) == MEMCORE_OK);
        if (request == NULL) break;
        w->claimed_requests++;
        collect_event_ids(w, request);
        sched_yield(); /* let the others claim while this request is out */
        char *report = NULL;
        EXPECT(memcore_extraction_complete(shared, request, "[]", NULL, &report) == MEMCORE_OK);
        EXPECT(report != NULL && strstr(report, "\"events_extracted\":") != NULL);
        memcore_string_free(report);
        memcore_string_free(request);
    }
    return NULL;
}

static void *own_handle(void *arg) {
    Worker *w = arg;
    MemcoreStore *store = NULL;
    EXPECT(memcore_open(shared_path, NULL, &store) == MEMCORE_OK);
    if (store == NULL) return NULL;
    char json[256];
    snprintf(json, sizeof json,
             "{\"v\":1,\"id\":\"own%d\",\"project\":\"handles\",\"agent\":\"c\"}", w->index);
    EXPECT(memcore_session_start(store, json, NULL) == MEMCORE_OK);
    for (int i = 0; i < 10; i++) {
        snprintf(json, sizeof json,
                 "{\"v\":1,\"session_id\":\"own%d\",\"payload\":{\"type\":\"note\",\"text\":"
                 "\"note %d\"},\"external_id\":\"n%d\"}",
                 w->index, i, i);
        EXPECT(memcore_event_record(store, json, NULL, NULL) == MEMCORE_OK);
    }
    memcore_close(store);
    return NULL;
}

static void run_all(void *(*body)(void *), Worker *workers) {
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, body, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(workers[i].failures == 0);
    }
}

int main(void) {
    TempStore t;
    temp_store_init(&t);
    shared_path = t.path;
    shared = open_or_exit(&t);
    static Worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) workers[i].index = i;

    /* 1. Writes and reads on one handle from 4 threads. */
    run_all(write_and_read, workers);
    int inserted = 0, shared_inserts = 0;
    for (int i = 0; i < THREADS; i++) {
        inserted += workers[i].inserted;
        shared_inserts += !workers[i].shared_was_duplicate;
        CHECK(workers[i].shared_note == workers[0].shared_note && workers[0].shared_note > 0);
    }
    CHECK(inserted == THREADS * UNIQUE_EVENTS);
    CHECK(shared_inserts == 1); /* deduplicated across threads */
    char *stats = NULL;
    CHECK_OK(memcore_stats(shared, "threads", &stats));
    char expected[128];
    snprintf(expected, sizeof expected, "\"observations\":%d,", THREADS * NOTES + 1);
    CHECK_CONTAINS(stats, expected);
    snprintf(expected, sizeof expected, "\"sessions\":%d,", THREADS);
    CHECK_CONTAINS(stats, expected);
    snprintf(expected, sizeof expected, "\"events\":%d,", THREADS * UNIQUE_EVENTS);
    CHECK_CONTAINS(stats, expected);
    snprintf(expected, sizeof expected, "\"pending_events\":%d,", THREADS * UNIQUE_EVENTS);
    CHECK_CONTAINS(stats, expected);
    memcore_string_free(stats);

    /* 2. Concurrent extraction: every pending event is claimed by exactly one thread. */
    run_all(claim_and_complete, workers);
    static int seen[MAX_EVENT_ID];
    int claimed = 0, requests = 0, twice = 0, unknown = 0;
    for (int i = 0; i < THREADS; i++) {
        requests += workers[i].claimed_requests;
        for (int j = 0; j < workers[i].claimed_count; j++) {
            int64_t id = workers[i].claimed[j];
            if (id <= 0 || id >= MAX_EVENT_ID) {
                unknown++;
                continue;
            }
            twice += seen[id] > 0;
            seen[id]++;
            claimed++;
        }
    }
    CHECK(requests >= 1);
    CHECK(twice == 0);
    CHECK(unknown == 0);
    CHECK(claimed == THREADS * UNIQUE_EVENTS);
    for (int i = 0; i < THREADS; i++) {
        for (int j = 0; j < UNIQUE_EVENTS; j++) {
            int64_t id = workers[i].event_ids[j];
            CHECK(id > 0 && id < MAX_EVENT_ID && seen[id] == 1);
        }
    }
    CHECK_OK(memcore_stats(shared, "threads", &stats));
    CHECK_CONTAINS(stats, "\"pending_events\":0,");
    memcore_string_free(stats);

    /* 3. A handle per thread on the same file, while the shared one stays open. */
    run_all(own_handle, workers);
    CHECK_OK(memcore_stats(shared, "handles", &stats));
    snprintf(expected, sizeof expected, "\"events\":%d,", THREADS * 10);
    CHECK_CONTAINS(stats, expected);
    memcore_string_free(stats);

    memcore_close(shared);
    temp_store_remove(&t);
    return check_report("test_threads");
}
