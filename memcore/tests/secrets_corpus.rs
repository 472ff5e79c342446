//! A corpus of secrets and look-alikes, through the public redaction API.
//!
//! Every secret below is fake but shaped like the real thing, and is built at run time from a
//! prefix and deterministic pseudo-random characters, so that this file holds nothing a secret
//! scanner would flag. Each sits in a realistic context (a shell command, a `.env` line, JSON,
//! a curl command, a log line) and must come out replaced by the marker of its kind, with the
//! context around it intact. The look-alikes (digests, ids, encodings, code that talks about
//! tokens and passwords) must come out unchanged: the corpus pins the false-positive count to
//! zero.

use memcore::capture::redact::SecretPattern;
use memcore::capture::{RedactionConfig, Redactor};
use serde_json::json;

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &str = "0123456789abcdef";
const DIGITS: &str = "0123456789";

/// `len` deterministic pseudo-random characters of `alphabet` (an LCG; no dependency).
fn fake(alphabet: &str, len: usize, seed: u64) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            chars[((state >> 33) % chars.len() as u64) as usize]
        })
        .collect()
}

/// Standard base64 with padding (enough of it for test data).
fn base64(bytes: &[u8]) -> String {
    let table = BASE64.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(table[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A fake JWT: a real-looking header and payload, a random signature.
fn jwt(seed: u64) -> String {
    let header = base64(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = base64(format!(r#"{{"sub":"{seed}","name":"Jo","iat":1716239022}}"#).as_bytes());
    let url = |s: String| s.trim_end_matches('=').replace('+', "-").replace('/', "_");
    format!(
        "{}.{}.{}",
        url(header),
        url(payload),
        fake(BASE64URL, 43, seed)
    )
}

/// A fake PEM private key block with `\n` line ends (`nl`, to build JSON-escaped ones too).
fn pem(label: &str, seed: u64, nl: &str) -> String {
    let lines: Vec<String> = (0..6).map(|i| fake(BASE64, 64, seed + i)).collect();
    format!(
        "-----BEGIN {label}PRIVATE KEY-----{nl}{}{nl}{}=={nl}-----END {label}PRIVATE KEY-----",
        lines.join(nl),
        fake(BASE64, 20, seed + 99)
    )
}

/// One secret in its context.
struct Case {
    /// What the marker must name.
    kind: &'static str,
    /// The secret value, which must be gone.
    secret: String,
    /// The text holding it.
    text: String,
    /// Pieces of context that must survive.
    keep: Vec<&'static str>,
}

fn case(kind: &'static str, secret: String, text: impl Fn(&str) -> String) -> Case {
    Case {
        kind,
        text: text(&secret),
        secret,
        keep: Vec::new(),
    }
}

impl Case {
    fn keeping(mut self, keep: &[&'static str]) -> Case {
        self.keep = keep.to_vec();
        self
    }
}

fn secrets() -> Vec<Case> {
    let aws_id = format!("AKIA{}", fake(UPPER_DIGITS, 16, 1));
    let aws_session_id = format!("ASIA{}", fake(UPPER_DIGITS, 16, 2));
    let aws_secret = |seed| fake(BASE64, 40, seed);
    vec![
        // ---- AWS ----
        case("aws-access-key", aws_id.clone(), |s| {
            format!("AWS_ACCESS_KEY_ID={s}\nAWS_DEFAULT_REGION=eu-west-1\n")
        })
        .keeping(&["AWS_ACCESS_KEY_ID=", "AWS_DEFAULT_REGION=eu-west-1"]),
        case("aws-access-key", aws_session_id, |s| {
            format!(r#"{{"Credentials": {{"AccessKeyId": "{s}", "Expiration": "2026-11-03T12:00:00Z"}}}}"#)
        })
        .keeping(&["\"AccessKeyId\": \""]),
        case("aws-secret-key", aws_secret(3), |s| {
            format!("[default]\naws_access_key_id = {aws_id}\naws_secret_access_key = {s}\n")
        })
        .keeping(&["aws_secret_access_key = "]),
        case("aws-secret-key", aws_secret(4), |s| {
            format!(r#"{{"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "{s}", "SessionToken": "x"}}"#)
        })
        .keeping(&["\"SecretAccessKey\": \""]),
        case("aws-secret-key", aws_secret(5), |s| {
            format!("$ aws configure set aws_secret_access_key {s} --profile ci")
        })
        .keeping(&["aws configure set aws_secret_access_key ", " --profile ci"]),
        case("aws-secret-key", aws_secret(6), |s| {
            format!("export AWS_SECRET_ACCESS_KEY=\"{s}\"")
        }),
        // ---- GitHub ----
        case("github-token", format!("ghp_{}", fake(ALNUM, 36, 7)), |s| {
            format!("git remote set-url origin https://{s}@github.com/acme/api.git")
        })
        .keeping(&["https://", "@github.com/acme/api.git"]),
        case("github-token", format!("gho_{}", fake(ALNUM, 36, 8)), |s| {
            format!("export GITHUB_TOKEN={s}")
        })
        .keeping(&["export GITHUB_TOKEN="]),
        case(
            "github-token",
            format!("github_pat_{}_{}", fake(ALNUM, 22, 9), fake(ALNUM, 59, 10)),
            |s| format!("//npm.pkg.github.com/:_authToken={s}\n@acme:registry=https://npm.pkg.github.com"),
        )
        .keeping(&["@acme:registry=https://npm.pkg.github.com"]),
        case("github-token", format!("ghs_{}", fake(ALNUM, 36, 11)), |s| {
            format!("2026-11-02T10:15:03Z INFO  ci: using installation token {s} for acme/api")
        })
        .keeping(&["using installation token ", " for acme/api"]),
        case("github-token", format!("ghu_{}", fake(ALNUM, 36, 12)), |s| {
            format!(r#"{{"access_token":"{s}","token_type":"bearer","scope":"repo"}}"#)
        })
        .keeping(&["\"token_type\":\"bearer\""]),
        case("github-token", format!("ghr_{}", fake(ALNUM, 76, 13)), |s| {
            format!("refresh_token={s}&grant_type=refresh_token")
        })
        .keeping(&["&grant_type=refresh_token"]),
        // ---- OpenAI, Anthropic ----
        case("openai-key", format!("sk-{}", fake(ALNUM, 48, 14)), |s| {
            format!("OPENAI_API_KEY={s}\nOPENAI_ORG=org-acme\n")
        })
        .keeping(&["OPENAI_API_KEY=", "OPENAI_ORG=org-acme"]),
        case(
            "openai-key",
            format!("sk-proj-{}", fake(BASE64URL, 156, 15)),
            |s| format!("client = OpenAI(api_key=\"{s}\")"),
        )
        .keeping(&["client = OpenAI(api_key=\""]),
        case(
            "openai-key",
            format!("sk-proj-{}", fake(BASE64URL, 120, 16)),
            |s| {
                format!(
                    "curl https://api.openai.com/v1/models -H \"Authorization: Bearer {s}\""
                )
            },
        )
        .keeping(&["Authorization: Bearer "]),
        case(
            "anthropic-key",
            format!("sk-ant-api03-{}AA", fake(BASE64URL, 93, 17)),
            |s| format!("export ANTHROPIC_API_KEY={s}"),
        )
        .keeping(&["export ANTHROPIC_API_KEY="]),
        case(
            "anthropic-key",
            format!("sk-ant-api03-{}AA", fake(BASE64URL, 93, 18)),
            |s| {
                format!(
                    "curl https://api.anthropic.com/v1/messages -H \"x-api-key: {s}\" -H \"anthropic-version: 2023-06-01\""
                )
            },
        )
        .keeping(&["x-api-key: ", "anthropic-version: 2023-06-01"]),
        // ---- Slack ----
        case(
            "slack-token",
            format!("xoxb-{}-{}-{}", fake(DIGITS, 12, 19), fake(DIGITS, 13, 20), fake(ALNUM, 24, 21)),
            |s| format!("SLACK_BOT_TOKEN={s}"),
        )
        .keeping(&["SLACK_BOT_TOKEN="]),
        case(
            "slack-token",
            format!("xoxp-{}-{}-{}-{}", fake(DIGITS, 12, 22), fake(DIGITS, 12, 23), fake(DIGITS, 13, 24), fake(HEX, 32, 25)),
            |s| format!("WARN slack: rate limited for {s}, retrying in 30s"),
        )
        .keeping(&["WARN slack: rate limited for ", ", retrying in 30s"]),
        case(
            "slack-token",
            format!("xoxa-2-{}", fake(ALNUM, 40, 26)),
            |s| format!("slack:\n  app_token_legacy: {s}\n  channel: '#deploys'"),
        )
        .keeping(&["channel: '#deploys'"]),
        case(
            "slack-token",
            format!("T{}/B{}/{}", fake(UPPER_DIGITS, 8, 27), fake(UPPER_DIGITS, 10, 28), fake(ALNUM, 24, 29)),
            |s| {
                format!(
                    "curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deployed\"}}' https://hooks.slack.com/services/{s}"
                )
            },
        )
        .keeping(&["https://hooks.slack.com/services/", "\"text\":\"deployed\""]),
        // ---- Google ----
        case("google-api-key", format!("AIza{}", fake(BASE64URL, 35, 30)), |s| {
            format!("GET https://maps.googleapis.com/maps/api/geocode/json?address=Paris&key={s} 200 OK")
        })
        .keeping(&["address=Paris&key=", " 200 OK"]),
        case("google-api-key", format!("AIza{}", fake(BASE64URL, 35, 31)), |s| {
            format!("firebase:\n  GOOGLE_API_KEY: {s}\n")
        }),
        // ---- JWT ----
        case("jwt", jwt(32), |s| {
            format!("curl -H 'Authorization: Bearer {s}' https://api.acme.dev/v1/me")
        })
        .keeping(&["Authorization: Bearer ", " https://api.acme.dev/v1/me"]),
        case("jwt", jwt(33), |s| {
            format!("< HTTP/1.1 200 OK\n< Set-Cookie: session={s}; Path=/; HttpOnly\n")
        })
        .keeping(&["Set-Cookie: session=", "; Path=/; HttpOnly"]),
        case("jwt", jwt(34), |s| {
            format!(r#"{{"id_token": "{s}", "expires_in": 3600}}"#)
        })
        .keeping(&["\"expires_in\": 3600"]),
        // ---- private keys ----
        case("private-key", pem("RSA ", 35, "\n"), |s| {
            format!("$ cat ~/.ssh/deploy_rsa\n{s}\n$ chmod 600 ~/.ssh/deploy_rsa")
        })
        .keeping(&["$ cat ~/.ssh/deploy_rsa\n", "\n$ chmod 600"]),
        case("private-key", pem("OPENSSH ", 36, "\n"), |s| {
            format!("Read file id_ed25519:\n{s}\n")
        }),
        case("private-key", pem("", 37, "\\n"), |s| {
            format!(
                r#"{{"type": "service_account", "project_id": "acme-prod", "private_key": "{s}\n", "client_email": "ci@acme-prod.iam.gserviceaccount.com"}}"#
            )
        })
        .keeping(&["\"project_id\": \"acme-prod\"", "\"client_email\""]),
        case("private-key", pem("EC ", 38, "\n"), |s| {
            format!("tls:\n  key: |\n{s}\n")
        }),
        // ---- bearer, basic, URL credentials ----
        case("bearer-token", fake(ALNUM, 32, 39), |s| {
            format!("curl -s -H 'Authorization: Bearer {s}' https://api.vendor.io/v2/items")
        })
        .keeping(&["Authorization: Bearer ", "https://api.vendor.io/v2/items"]),
        case("bearer-token", format!("{}.{}", fake(ALNUM, 24, 40), fake(ALNUM, 16, 41)), |s| {
            format!("DEBUG http: > GET /v1/orders headers={{Authorization=Bearer {s}}}")
        })
        .keeping(&["Authorization=Bearer "]),
        case("basic-auth", base64(b"deploy:Xq9-rT4v-Lm2w"), |s| {
            format!("curl -H \"Authorization: Basic {s}\" https://registry.acme.dev/v2/")
        })
        .keeping(&["Authorization: Basic "]),
        case("url-credentials", fake(ALNUM, 20, 42), |s| {
            format!("DATABASE_URL=postgres://app_user:{s}@db.internal:5432/app_prod")
        })
        .keeping(&["postgres://app_user:", "@db.internal:5432/app_prod"]),
        case("url-credentials", fake(ALNUM, 16, 43), |s| {
            format!("mongosh \"mongodb+srv://admin:{s}@cluster0.ab1cd.mongodb.net/shop\"")
        })
        .keeping(&["mongodb+srv://admin:", "@cluster0.ab1cd.mongodb.net/shop"]),
        case("url-credentials", fake(ALNUM, 24, 44), |s| {
            format!("REDIS_URL=redis://:{s}@cache.internal:6379/0")
        }),
        case("url-credentials", format!("{}-{}", fake(ALNUM, 8, 45), fake(ALNUM, 8, 46)), |s| {
            format!("2026-11-02 10:15:03 INFO worker: connecting to amqp://orders:{s}@rabbit:5672/%2f")
        })
        .keeping(&["amqp://orders:", "@rabbit:5672/%2f"]),
        case("url-credentials", fake(ALNUM, 14, 47), |s| {
            format!("git clone https://jdoe:{s}@git.acme.dev/platform/infra.git")
        })
        .keeping(&["https://jdoe:", "@git.acme.dev/platform/infra.git"]),
        case("password", fake(ALNUM, 12, 48), |s| {
            format!("curl -u admin:{s} https://jenkins.acme.dev/api/json")
        })
        .keeping(&["curl -u admin:", " https://jenkins.acme.dev/api/json"]),
        // ---- assignments ----
        case("password", format!("{}!{}", fake(ALNUM, 6, 49), fake(DIGITS, 3, 50)), |s| {
            format!("DB_HOST=localhost\nDB_PASSWORD={s}\nDB_PORT=5432\n")
        })
        .keeping(&["DB_PASSWORD=", "DB_PORT=5432"]),
        case("password", format!("{}{}", fake(ALNUM, 10, 51), "7"), |s| {
            format!("database:\n  user: app\n  PASSWORD: {s}\n")
        })
        .keeping(&["PASSWORD: "]),
        case("password", fake(ALNUM, 16, 52), |s| {
            format!("services:\n  db:\n    environment:\n      MYSQL_ROOT_PASSWORD: \"{s}\"\n")
        })
        .keeping(&["MYSQL_ROOT_PASSWORD: \""]),
        case("password", format!("{}#{}", fake(ALNUM, 8, 53), fake(DIGITS, 2, 54)), |s| {
            format!(
                "curl -X POST https://app.acme.dev/login -d '{{\"username\":\"admin\",\"password\":\"{s}\"}}'"
            )
        })
        .keeping(&["\"username\":\"admin\",\"password\":\""]),
        case("password", fake(ALNUM, 10, 55), |s| {
            format!("[client]\nuser = backup\npasswd = {s}\n")
        }),
        case("password", fake(ALNUM, 14, 56), |s| {
            format!("mysqldump -u root --password={s} shop > shop.sql")
        })
        .keeping(&["--password=", " shop > shop.sql"]),
        case("password", format!("{}-{}", fake(ALNUM, 6, 57), fake(ALNUM, 6, 58)), |s| {
            format!("psql \"host=db.internal user=app password={s} dbname=app sslmode=require\"")
        })
        .keeping(&["password=", " dbname=app sslmode=require"]),
        case("password", format!("{}{}", fake(ALNUM, 9, 59), "42"), |s| {
            format!("2026-11-02 10:15:03 WARN auth: login failed user=bob password={s} ip=10.0.0.7")
        })
        .keeping(&["user=bob password=", " ip=10.0.0.7"]),
        case("token", fake(ALNUM, 40, 60), |s| format!("export SECRET_TOKEN={s}"))
            .keeping(&["export SECRET_TOKEN="]),
        case("token", fake(HEX, 32, 61), |s| {
            format!("apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: {s}\n")
        })
        .keeping(&["    token: "]),
        case("api-key", fake(HEX, 32, 62), |s| format!("[service]\napi_key = \"{s}\"\n"))
            .keeping(&["api_key = \""]),
        case("api-key", fake(ALNUM, 24, 63), |s| {
            format!("curl https://api.weather.io/v1/today -H 'X-Api-Key: {s}'")
        })
        .keeping(&["X-Api-Key: "]),
        case("api-key", fake(ALNUM, 20, 64), |s| {
            format!("mc alias set minio http://minio:9000 --access_key={s}")
        }),
        case("api-key", fake(HEX, 40, 65), |s| {
            format!("sendgrid:\n  apikey: {s}\n")
        }),
        case("secret", fake(ALNUM, 32, 66), |s| {
            format!(
                "curl -X POST https://auth.acme.dev/oauth/token -d client_id=web -d client_secret={s}&grant_type=client_credentials"
            )
        })
        .keeping(&["client_secret=", "&grant_type=client_credentials"]),
        case("secret", fake(ALNUM, 32, 67), |s| {
            format!(r#"{{"client_id": "web", "client_secret": "{s}"}}"#)
        }),
        case(
            "secret",
            format!("django-insecure-{}", fake(ALNUM, 40, 68)),
            |s| format!("SECRET_KEY = '{s}'\nDEBUG = False\n"),
        )
        .keeping(&["SECRET_KEY = '", "DEBUG = False"]),
        // ---- other providers ----
        case("stripe-key", format!("sk_live_{}", fake(ALNUM, 24, 69)), |s| {
            format!("STRIPE_SECRET_KEY={s}")
        })
        .keeping(&["STRIPE_SECRET_KEY="]),
        case("gitlab-token", format!("glpat-{}", fake(ALNUM, 20, 70)), |s| {
            format!("git clone https://oauth2:{s}@gitlab.com/acme/infra.git")
        })
        .keeping(&["https://oauth2:", "@gitlab.com/acme/infra.git"]),
        case("npm-token", format!("npm_{}", fake(ALNUM, 36, 71)), |s| {
            format!("//registry.npmjs.org/:_authToken={s}")
        }),
        case("huggingface-token", format!("hf_{}", fake(ALNUM, 34, 72)), |s| {
            format!("$ huggingface-cli login --token {s}\nToken is valid (permission: read).")
        })
        .keeping(&["huggingface-cli login --token ", "Token is valid"]),
        case(
            "pypi-token",
            format!("pypi-AgEIcHlwaS5vcmc{}", fake(BASE64URL, 120, 73)),
            |s| format!("[pypi]\nusername = __token__\npassword = {s}\n"),
        )
        .keeping(&["username = __token__"]),
    ]
}

fn look_alikes() -> Vec<String> {
    let sha1 = |seed| fake(HEX, 40, seed);
    let sha256 = |seed| fake(HEX, 64, seed);
    let uuid = |seed| {
        let h = fake(HEX, 32, seed);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    };
    let random_bytes: Vec<u8> = fake(ALNUM, 64, 200).bytes().collect();
    vec![
        // ---- digests and ids ----
        format!("commit {}\nAuthor: Jo <jo@acme.dev>\nDate:   Mon Nov 2 10:15:03 2026\n", sha1(101)),
        format!("{} fix(parser): handle trailing commas\n{} feat: add retries", &sha1(102)[..7], &sha1(103)[..7]),
        format!("$ git rev-parse HEAD\n{}", sha1(104)),
        format!("https://github.com/acme/api/commit/{}", sha1(105)),
        format!("{}  memcore-0.1.0.tar.gz", sha256(106)),
        format!("sha1: {}", sha1(107)),
        format!("MD5 ({}) = {}", "setup.py", fake(HEX, 32, 108)),
        format!("sha512sum: {}", fake(HEX, 128, 109)),
        format!("2026-11-02T10:15:03Z INFO request_id={} status=200 took=12ms", uuid(110)),
        format!(r#"{{"id": "{}", "session_id": "{}"}}"#, uuid(111), uuid(112)),
        format!("checksum = \"{}\"", sha256(113)),
        format!("docker pull nginx@sha256:{}", sha256(114)),
        format!("FROM ghcr.io/acme/app@sha256:{} AS runtime", sha256(115)),
        format!("\"integrity\": \"sha512-{}\"", base64(&random_bytes)),
        format!("  integrity sha1-{}", base64(&random_bytes[..20])),
        format!("main.{}.js  142 KiB  [emitted] [immutable]", &sha1(116)[..8]),
        format!("color: #{}; background: #{};", &sha1(117)[..6], &sha1(118)[..6]),
        "arn:aws:iam::123456789012:role/deploy-ci".to_string(),
        // ---- encodings ----
        format!("$ echo 'the quick brown fox' | base64\n{}", base64(b"the quick brown fox\n")),
        base64(b"Memory for agents: observations are distilled from tool calls and recalled within a budget."),
        format!("data: {}", base64(b"{\"event\":\"tool_use\",\"name\":\"Bash\"}")),
        "The header of a JWT is base64 of {\" so it starts with eyJ.".to_string(),
        // ---- versions and paths ----
        "version = \"1.2.3-beta.4+build.5\"".to_string(),
        "tokio = { version = \"1.38\", features = [\"full\"] }".to_string(),
        "/home/jo/.ssh/id_ed25519.pub".to_string(),
        "src/auth/token_store.rs:42:13: warning: unused variable `token`".to_string(),
        "PASSWORD_FILE=/run/secrets/db_password".to_string(),
        "git@github.com:acme/api.git".to_string(),
        "ssh://git@gitlab.com:22/group/project.git".to_string(),
        "postgres://localhost:5432/app_dev".to_string(),
        // ---- Rust ----
        "let token = lexer.next_token()?;".to_string(),
        "fn verify_password(password: &str, hash: &str) -> bool {".to_string(),
        "pub struct Token { kind: TokenKind, span: Span }".to_string(),
        "match token { Token::Ident(name) => names.push(name), _ => {} }".to_string(),
        "let secret = Secret::new(bytes);".to_string(),
        "let tokens: Vec<Token> = tokenize(&source);".to_string(),
        "token: &'a str,".to_string(),
        // ---- Python, JS, TS ----
        "password = getpass.getpass(\"Password: \")".to_string(),
        "tokens = tokenizer.encode(text)".to_string(),
        "def check_password(self, password):".to_string(),
        "api_key = os.environ[\"OPENAI_API_KEY\"]".to_string(),
        "token = request.headers.get(\"Authorization\")".to_string(),
        "const token = await getAccessToken(user);".to_string(),
        "interface Login { password: string; token?: string }".to_string(),
        "hf_hub_download(repo_id=\"acme/model\", filename=\"config.json\")".to_string(),
        // ---- prose, settings, placeholders ----
        "The tokenizer splits the password policy document into tokens.".to_string(),
        "Set token_count = 5 and max_tokens = 4096 before calling the model.".to_string(),
        r#"{"max_tokens": 1024, "token_count": 57, "tokenizer_class": "LlamaTokenizer"}"#.to_string(),
        "POST /login password= (empty)".to_string(),
        "environment:\n  PASSWORD: ${DB_PASSWORD}".to_string(),
        "api_key: <YOUR_API_KEY>".to_string(),
        "export OPENAI_API_KEY=\"your-key-here\"".to_string(),
        "The bearer token is sent in the Authorization header.".to_string(),
        "curl -H \"Authorization: Bearer $TOKEN\" https://api.acme.dev".to_string(),
        "AWS access keys start with AKIA; GitHub classic tokens start with ghp_.".to_string(),
        "kind: Secret\nmetadata:\n  name: tls-cert\ntype: kubernetes.io/tls".to_string(),
        "INFO usage: prompt_tokens=1200 completion_tokens=340 total_tokens=1540".to_string(),
        "password_reset_token_expiry=3600".to_string(),
        "Passwordless login is enabled; see the secret-santa channel.".to_string(),
        "password = \"\"".to_string(),
        "scikit-learn (sklearn) and sk-learn-contrib estimators".to_string(),
    ]
}

fn redactor() -> Redactor {
    match Redactor::new(&RedactionConfig::default()) {
        Ok(r) => r,
        Err(e) => panic!("default redactor: {e}"),
    }
}

#[test]
fn corpus_is_large_and_covers_every_kind() {
    let cases = secrets();
    assert!(cases.len() >= 45, "{} secrets", cases.len());
    assert!(
        look_alikes().len() >= 45,
        "{} look-alikes",
        look_alikes().len()
    );
    for kind in [
        "aws-access-key",
        "aws-secret-key",
        "github-token",
        "openai-key",
        "anthropic-key",
        "slack-token",
        "google-api-key",
        "jwt",
        "private-key",
        "bearer-token",
        "url-credentials",
        "password",
        "token",
        "api-key",
        "secret",
    ] {
        assert!(cases.iter().any(|c| c.kind == kind), "no case of {kind}");
    }
}

#[test]
fn every_secret_is_replaced_by_the_marker_of_its_kind() {
    let redactor = redactor();
    let mut failures = Vec::new();
    for case in secrets() {
        assert!(case.text.contains(&case.secret), "bad case: {}", case.text);
        let out = redactor.redact(&case.text);
        let marker = format!("[REDACTED:{}]", case.kind);
        if out.contains(&case.secret) {
            failures.push(format!("{}: secret survived in {out:?}", case.kind));
        } else if !out.contains(&marker) {
            failures.push(format!("{}: no {marker} in {out:?}", case.kind));
        } else if let Some(lost) = case.keep.iter().find(|k| !out.contains(*k)) {
            failures.push(format!("{}: lost context {lost:?} in {out:?}", case.kind));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn look_alikes_are_left_alone() {
    let redactor = redactor();
    let false_positives: Vec<(String, String)> = look_alikes()
        .into_iter()
        .filter_map(|text| {
            let out = redactor.redact(&text);
            (out != text).then_some((text, out))
        })
        .collect();
    assert_eq!(
        false_positives.len(),
        0,
        "false positives: {false_positives:#?}"
    );
}

#[test]
fn the_whole_corpus_in_one_text_loses_every_secret() {
    let cases = secrets();
    let mut text = String::new();
    for case in &cases {
        text.push_str(&case.text);
        text.push('\n');
    }
    for look_alike in look_alikes() {
        text.push_str(&look_alike);
        text.push('\n');
    }
    let out = redactor().redact(&text);
    for case in &cases {
        assert!(!out.contains(&case.secret), "{} survived", case.kind);
    }
    for look_alike in look_alikes() {
        assert!(
            out.contains(&look_alike),
            "look-alike changed: {look_alike}"
        );
    }
}

#[test]
fn secrets_inside_json_tool_input_are_redacted() {
    let redactor = redactor();
    let cases = secrets();
    let mut value = json!({
        "session_id": "4f1c2a3b-aaaa-4bbb-8ccc-0123456789ab",
        "tool_name": "Bash",
        "tool_input": {"command": cases[6].text, "description": "set remote"},
        "tool_response": {"stdout": cases[27].text, "stderr": "", "interrupted": false},
        "headers": {"Authorization": format!("Bearer {}", fake(ALNUM, 32, 300)), "Accept": "*/*"},
        "db": {"password": "hunter2", "max_tokens": 1024, "token_count": 5},
    });
    redactor.redact_json(&mut value);
    let flat = value.to_string();
    assert!(!flat.contains(&cases[6].secret));
    assert!(!flat.contains(&cases[27].secret));
    assert!(!flat.contains("hunter2"));
    assert_eq!(
        value["headers"]["Authorization"],
        "[REDACTED:authorization]"
    );
    assert_eq!(value["headers"]["Accept"], "*/*");
    assert_eq!(value["db"]["password"], "[REDACTED:password]");
    assert_eq!(value["db"]["max_tokens"], 1024);
    assert_eq!(value["db"]["token_count"], 5);
    assert_eq!(value["tool_name"], "Bash");
    assert_eq!(value["session_id"], "4f1c2a3b-aaaa-4bbb-8ccc-0123456789ab");
}

#[test]
fn private_spans_go_before_anything_else() {
    let out = redactor().redact(
        "Deploy notes <private>the staging box is 10.0.3.7, root pw in 1Password</private> done.\n\
         <PRIVATE>\nmy therapist says hi\n",
    );
    assert_eq!(out, "Deploy notes  done.\n");
}

#[test]
fn allowlist_and_extra_patterns_work_through_the_public_api() {
    let known_test_key = format!("AKIA{}", "IOSFODNN7EXAMPLE");
    let config: RedactionConfig = serde_json::from_value(json!({
        "allowlist": [known_test_key],
        "extra_patterns": [{"kind": "acme-license", "pattern": "ACME-LIC-[0-9A-F]{16}"}],
    }))
    .unwrap_or_else(|e| panic!("config: {e}"));
    assert_eq!(
        config.extra_patterns,
        vec![SecretPattern {
            kind: "acme-license".into(),
            pattern: "ACME-LIC-[0-9A-F]{16}".into(),
        }]
    );
    let redactor = Redactor::new(&config).unwrap_or_else(|e| panic!("{e}"));
    let license = format!("ACME-LIC-{}", fake("0123456789ABCDEF", 16, 400));
    let other_key = format!("AKIA{}", fake(UPPER_DIGITS, 16, 401));
    let out = redactor.redact(&format!(
        "docs use {known_test_key}; prod uses {other_key}; license {license}"
    ));
    assert_eq!(
        out,
        format!(
            "docs use {known_test_key}; prod uses [REDACTED:aws-access-key]; license [REDACTED:acme-license]"
        )
    );
}

#[test]
fn an_invalid_extra_pattern_is_rejected_with_its_name() {
    let config = RedactionConfig {
        extra_patterns: vec![SecretPattern {
            kind: "acme-license".into(),
            pattern: "ACME-LIC-(".into(),
        }],
        ..RedactionConfig::default()
    };
    let err = match Redactor::new(&config) {
        Ok(_) => panic!("an unclosed group must be rejected"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("ACME-LIC-("), "{err}");
    assert!(err.contains("acme-license"), "{err}");
}
