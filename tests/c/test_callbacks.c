/*
 * Host callbacks: an embedder and an LLM written in C, their user_data freed exactly once,
 * their failures reported, and a callback that calls back into its own store getting an
 * error instead of a deadlock.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>

#include "check.h"

static int freed = 0; /* how many user_data blocks were freed */

typedef struct {
    int calls;
    int fail_with;  /* non-zero: every call fails with this status */
    bool write_nan; /* writes NaN into the vector */
} EmbedderState;

static void free_state(void *user_data) {
    free(user_data);
    freed++;
}

/* A toy model: letter frequencies. */
static int32_t embed_letters(void *user_data, const char *text, float *out, size_t dim) {
    EmbedderState *state = user_data;
    state->calls++;
    if (state->fail_with != 0) return state->fail_with;
    for (size_t i = 0; i < dim; i++) out[i] = 0.0f;
    for (const char *c = text; *c; c++) {
        if (*c >= 'a' && *c <= 'z') out[(size_t)(*c - 'a') % dim] += 1.0f;
        if (*c >= 'A' && *c <= 'Z') out[(size_t)(*c - 'A') % dim] += 1.0f;
    }
    out[dim - 1] += 0.5f; /* never all zero */
    if (state->write_nan) out[0] = NAN;
    return 0;
}

static MemcoreEmbedder letters(EmbedderState **state_out) {
    EmbedderState *state = calloc(1, sizeof *state);
    if (state_out) *state_out = state;
    MemcoreEmbedder embedder = {state, "c-letters/d26", 26, embed_letters, free_state};
    return embedder;
}

static void test_embedder(MemcoreStore *store) {
    freed = 0;
    EmbedderState *state = NULL;
    MemcoreEmbedder embedder = letters(&state);
    CHECK_OK(memcore_set_embedder(store, &embedder));
    CHECK_OK(memcore_observation_add(
        store, "{\"v\":1,\"project\":\"cb\",\"title\":\"zebra zoo zigzag\"}", NULL, NULL));
    CHECK(state->calls == 1);
    char *hits = NULL;
    CHECK_OK(memcore_search(store,
                            "{\"v\":1,\"query\":\"zigzag zebra\",\"scope\":{\"project\":\"cb\"},"
                            "\"mode\":\"vector\"}",
                            &hits));
    CHECK(state->calls == 2);
    CHECK_CONTAINS(hits, "zebra zoo zigzag");
    CHECK_CONTAINS(hits, "\"vector_similarity\":");
    memcore_string_free(hits);

    /* A failing model: the call fails with MEMCORE_ERR_CALLBACK, nothing is stored. */
    state->fail_with = 5;
    CHECK_STATUS(memcore_observation_add(
                     store, "{\"v\":1,\"project\":\"cb\",\"title\":\"not stored\"}", NULL, NULL),
                 MEMCORE_ERR_CALLBACK);
    CHECK_CONTAINS(memcore_last_error_message(), "c-letters/d26");
    CHECK_CONTAINS(memcore_last_error_message(), "returned 5");
    CHECK_STATUS(memcore_search(store, "{\"v\":1,\"query\":\"zebra\",\"scope\":\"all\"}", &hits),
                 MEMCORE_ERR_CALLBACK);
    CHECK(hits == NULL);
    state->fail_with = 0;
    state->write_nan = true;
    CHECK_STATUS(memcore_observation_add(
                     store, "{\"v\":1,\"project\":\"cb\",\"title\":\"nan stored\"}", NULL, NULL),
                 MEMCORE_ERR_CALLBACK);
    CHECK_CONTAINS(memcore_last_error_message(), "non-finite");
    char *recent = NULL;
    CHECK_OK(memcore_recent(store, "cb", 10, &recent));
    CHECK_LACKS(recent, "stored\"");
    memcore_string_free(recent);

    /* Replacing the embedder frees the old user_data, once. */
    CHECK(freed == 0);
    CHECK_OK(memcore_use_builtin_embedder(store));
    CHECK(freed == 1);
    embedder = letters(NULL);
    CHECK_OK(memcore_set_embedder(store, &embedder));
    CHECK_OK(memcore_disable_embedder(store));
    CHECK(freed == 2);
    CHECK_OK(memcore_observation_add(
        store, "{\"v\":1,\"project\":\"cb\",\"title\":\"stored without a vector\"}", NULL, NULL));
    CHECK_OK(memcore_use_builtin_embedder(store));
    CHECK(freed == 2);
}

typedef enum { LLM_ANSWERS, LLM_FAILS, LLM_NO_ANSWER, LLM_BAD_ENVELOPE, LLM_REENTERS } LlmMode;

typedef struct {
    LlmMode mode;
    int calls;
    int summary_calls;
    MemcoreStore *store;   /* the store that calls it (for the re-entrant mode) */
    MemcoreStatus nested;  /* what a call back into that store returned */
    const char *path;      /* the store's file, to open a second handle */
    MemcoreStatus second;  /* what a call on a second handle returned */
} LlmState;

static const char *OBSERVATIONS_ANSWER =
    "{\"v\":1,\"text\":\"[{\\\"kind\\\":\\\"discovery\\\",\\\"title\\\":\\\"Config lives in "
    "config.toml\\\",\\\"facts\\\":[\\\"the loader reads config.toml first\\\"]}]\","
    "\"usage\":{\"model\":\"fake-llm\",\"prompt_tokens\":1234,\"completion_tokens\":56}}";
static const char *SUMMARY_ANSWER =
    "{\"v\":1,\"text\":\"{\\\"request\\\":\\\"find the config\\\",\\\"learned\\\":\\\"it is "
    "config.toml\\\"}\",\"usage\":{\"model\":\"fake-llm\"}}";

static int32_t complete(void *user_data, const char *request_json, char **out_answer_json) {
    LlmState *state = user_data;
    state->calls++;
    if (*out_answer_json != NULL) return 99; /* must be NULL on entry */
    if (strstr(request_json, "\"v\":1") == NULL || strstr(request_json, "\"user_prompt\"") == NULL)
        return 98;
    bool summary = strstr(request_json, "\"purpose\":\"summary\"") != NULL;
    switch (state->mode) {
    case LLM_ANSWERS:
        if (summary) state->summary_calls++;
        *out_answer_json = memcore_string_new(summary ? SUMMARY_ANSWER : OBSERVATIONS_ANSWER);
        return 0;
    case LLM_FAILS:
        *out_answer_json = memcore_string_new("quota exceeded");
        return 3;
    case LLM_NO_ANSWER:
        return 0;
    case LLM_BAD_ENVELOPE:
        *out_answer_json = memcore_string_new("[{\"title\":\"no envelope\"}]");
        return 0;
    case LLM_REENTERS: {
        char *stats = NULL;
        state->nested = memcore_stats(state->store, NULL, &stats);
        memcore_string_free(stats);
        MemcoreStore *second = NULL;
        state->second = memcore_open(state->path, NULL, &second);
        if (state->second == MEMCORE_OK) {
            state->second = memcore_stats(second, NULL, &stats);
            memcore_string_free(stats);
        }
        memcore_close(second);
        return 4;
    }
    }
    return 97;
}

static MemcoreLlm fake_llm(LlmState **state_out, LlmMode mode) {
    LlmState *state = calloc(1, sizeof *state);
    state->mode = mode;
    *state_out = state;
    MemcoreLlm llm = {state, complete, free_state};
    return llm;
}

static void record_prompt(MemcoreStore *store, const char *text) {
    char event[256];
    snprintf(event, sizeof event,
             "{\"v\":1,\"session_id\":\"llm\",\"payload\":{\"type\":\"user_prompt\",\"text\":"
             "\"%s\"}}",
             text);
    CHECK_OK(memcore_event_record(store, event, NULL, NULL));
}

static void test_llm(MemcoreStore *store, const char *path) {
    freed = 0;
    CHECK_OK(memcore_session_start(
        store, "{\"v\":1,\"id\":\"llm\",\"project\":\"cb\",\"agent\":\"c\"}", NULL));
    record_prompt(store, "where is the configuration loaded from?");

    /* A model that answers. */
    LlmState *state = NULL;
    MemcoreLlm llm = fake_llm(&state, LLM_ANSWERS);
    CHECK_OK(memcore_set_llm(store, &llm));
    char *run = NULL;
    CHECK_OK(memcore_extract_pending(store, "cb", &run));
    CHECK(state->calls == 1);
    CHECK_CONTAINS(run, "\"observations_stored\":1");
    CHECK_CONTAINS(run, "\"prompt_tokens\":1234");
    memcore_string_free(run);
    char *ledger = NULL;
    CHECK_OK(memcore_ledger(store, "cb", 1, &ledger));
    CHECK_CONTAINS(ledger, "\"model\":\"fake-llm\"");
    memcore_string_free(ledger);
    char *summary = NULL;
    CHECK_OK(memcore_summarize(store, "llm", &summary));
    CHECK(state->summary_calls == 1);
    CHECK_CONTAINS(summary, "\"learned\":\"it is config.toml\"");
    memcore_string_free(summary);

    /* A model that fails, and ones that break the answer contract: each run succeeds, makes
     * one attempt per batch (attempts are spread across runs), counts the failure, and after
     * max_attempts (2) runs the event is marked failed (kept, never deleted). */
    LlmMode broken[] = {LLM_FAILS, LLM_NO_ANSWER, LLM_BAD_ENVELOPE};
    const char *reasons[] = {"quota exceeded", "no answer", "the host LLM's answer"};
    for (size_t i = 0; i < 3; i++) {
        record_prompt(store, "and where are the secrets kept?");
        llm = fake_llm(&state, broken[i]);
        CHECK_OK(memcore_set_llm(store, &llm)); /* frees the previous one */
        CHECK(freed == (int)i + 1);
        CHECK_OK(memcore_extract_pending(store, "cb", &run));
        CHECK(state->calls == 1);
        CHECK_CONTAINS(run, "\"failures\":1");
        CHECK_CONTAINS(run, "\"events_failed\":0");
        memcore_string_free(run);
        CHECK_OK(memcore_extract_pending(store, "cb", &run));
        CHECK(state->calls == 2);
        CHECK_CONTAINS(run, "\"failures\":1");
        CHECK_CONTAINS(run, "\"events_failed\":1");
        memcore_string_free(run);
        CHECK_OK(memcore_ledger(store, "cb", 1, &ledger));
        CHECK_CONTAINS(ledger, "\"outcome\":\"gave_up\"");
        CHECK_CONTAINS(ledger, reasons[i]);
        memcore_string_free(ledger);
    }
    char *failed = NULL;
    CHECK_OK(memcore_events(store, "llm", MEMCORE_EVENTS_FAILED, &failed));
    CHECK_CONTAINS(failed, "secrets");
    memcore_string_free(failed);
    uint64_t retried = 0;
    CHECK_OK(memcore_retry_failed(store, "cb", &retried));
    CHECK(retried == 3);

    /* A callback that calls back into its own store gets an error, not a deadlock; a second
     * handle on the same file works. */
    llm = fake_llm(&state, LLM_REENTERS);
    state->store = store;
    state->path = path;
    CHECK_OK(memcore_set_llm(store, &llm));
    CHECK_OK(memcore_extract_pending(store, "cb", &run));
    CHECK_CONTAINS(run, "\"failures\":1");
    memcore_string_free(run);
    CHECK_OK(memcore_extract_pending(store, "cb", &run));
    CHECK(state->calls == 2);
    CHECK(state->nested == MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK(state->second == MEMCORE_OK);
    CHECK_CONTAINS(run, "\"failures\":1");
    memcore_string_free(run);

    CHECK(freed == 4);
    CHECK_OK(memcore_clear_llm(store));
    CHECK(freed == 5);
    CHECK_OK(memcore_clear_llm(store));
    CHECK(freed == 5);

    /* Whatever the store holds when it is closed is freed then. */
    llm = fake_llm(&state, LLM_ANSWERS);
    CHECK_OK(memcore_set_llm(store, &llm));
    MemcoreEmbedder embedder = letters(NULL);
    CHECK_OK(memcore_set_embedder(store, &embedder));
}

int main(void) {
    TempStore t;
    temp_store_init(&t);
    MemcoreStore *store = NULL;
    CHECK_OK(memcore_open(t.path, "{\"v\":1,\"extraction\":{\"max_attempts\":2}}", &store));
    test_embedder(store);
    test_llm(store, t.path);
    int before_close = freed;
    memcore_close(store);
    CHECK(freed == before_close + 2);
    temp_store_remove(&t);
    return check_report("test_callbacks");
}
