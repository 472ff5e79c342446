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
/// Django's `get_random_secret_key` alphabet.
const DJANGO: &str = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)";
/// Bech32 (age keys).
const BECH32: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
const LOWER_DIGITS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";

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
pub struct Case {
    /// What the marker must name.
    pub kind: &'static str,
    /// The secret value, which must be gone.
    pub secret: String,
    /// The text holding it.
    pub text: String,
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

pub fn secrets() -> Vec<Case> {
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
            "django-secret-key",
            format!("django-insecure-{}", fake(DJANGO, 50, 68)),
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
    .into_iter()
    .chain(more_secrets())
    .collect()
}

/// Base64 of a PEM private key, as a kubeconfig or a Kubernetes secret holds it.
fn pem_base64(seed: u64) -> String {
    base64(pem("RSA ", seed, "\n").as_bytes())
}

/// Base64 of a PEM certificate: public, never redacted.
fn cert_base64(seed: u64) -> String {
    let lines: Vec<String> = (0..4).map(|i| fake(BASE64, 64, seed + i)).collect();
    base64(
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
        .as_bytes(),
    )
}

/// The kinds issue 14 found leaking, and more vendor and context formats.
fn more_secrets() -> Vec<Case> {
    vec![
        // ---- Azure ----
        case("azure-storage-key", format!("{}==", fake(BASE64, 86, 501)), |s| {
            format!("AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={s};EndpointSuffix=core.windows.net")
        })
        .keeping(&["AccountName=acmeprod;AccountKey=", ";EndpointSuffix=core.windows.net"]),
        case("azure-storage-key", format!("{}=", fake(BASE64, 43, 502)), |s| {
            format!("\"ServiceBus\": \"Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={s}\"")
        })
        .keeping(&["SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey="]),
        case("secret", format!("{}==", fake(BASE64, 86, 503)), |s| format!("export AZURE_STORAGE_KEY={s}"))
            .keeping(&["export AZURE_STORAGE_KEY="]),
        case("url-signature", format!("{}%2B{}%3D", fake(ALNUM, 30, 504), fake(ALNUM, 10, 505)), |s| {
            format!("az storage blob download --blob-url 'https://acme.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&spr=https&sig={s}'")
        })
        .keeping(&["&spr=https&sig=", "https://acme.blob.core.windows.net/backups/db.bak?sv=2022-11-02"]),
        case("url-signature", fake(HEX, 64, 506), |s| {
            format!("GET https://acme-artifacts.s3.amazonaws.com/build.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261102T101503Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature={s} 200")
        })
        .keeping(&["&X-Amz-Signature=", " 200"]),
        case(
            "azure-client-secret",
            format!("{}{}Q~{}", fake(ALNUM, 3, 507), fake(DIGITS, 1, 508), fake(ALNUM, 34, 509)),
            |s| format!("az login --service-principal -u 0f4c-app -p {s} --tenant acme.onmicrosoft.com"),
        )
        .keeping(&["--tenant acme.onmicrosoft.com"]),
        // ---- DigitalOcean ----
        case("digitalocean-token", format!("dop_v1_{}", fake(HEX, 64, 510)), |s| {
            format!("$ doctl auth init --access-token {s}\nValidating token... OK")
        })
        .keeping(&["doctl auth init --access-token ", "Validating token... OK"]),
        case("digitalocean-token", format!("doo_v1_{}", fake(HEX, 64, 511)), |s| {
            format!("DEBUG oauth: got {s} for team acme")
        })
        .keeping(&["DEBUG oauth: got ", " for team acme"]),
        // ---- Docker, npm, Kubernetes ----
        case("basic-auth", base64(format!("acmeci:{}", fake(ALNUM, 20, 512)).as_bytes()), |s| {
            format!("$ cat ~/.docker/config.json\n{{\n  \"auths\": {{\n    \"https://index.docker.io/v1/\": {{\n      \"auth\": \"{s}\"\n    }}\n  }}\n}}")
        })
        .keeping(&["\"auths\": {", "\"https://index.docker.io/v1/\""]),
        case("basic-auth", base64(format!("deploy:{}", fake(ALNUM, 16, 513)).as_bytes()), |s| {
            format!("registry=https://npm.acme.dev/\n_auth={s}\nalways-auth=true\n")
        })
        .keeping(&["always-auth=true", "registry=https://npm.acme.dev/"]),
        case("private-key", pem_base64(514), |s| {
            format!("users:\n- name: admin\n  user:\n    client-certificate-data: {}\n    client-key-data: {s}\n", cert_base64(515))
        })
        .keeping(&["    client-key-data: ", "client-certificate-data: LS0t"]),
        case("private-key", pem_base64(516), |s| {
            format!("apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {}\n  tls.key: {s}\n", cert_base64(517))
        })
        .keeping(&["  tls.key: "]),
        case("private-key", format!("{}\n{}\n{}", fake(BASE64, 64, 518), fake(BASE64, 64, 519), fake(BASE64, 20, 520)), |s| {
            format!("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: jo@laptop\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5\nPrivate-Lines: 3\n{s}\nPrivate-MAC: 0f3a")
        })
        .keeping(&["Private-Lines: 3\n", "Comment: jo@laptop"]),
        case("private-key", pem("PGP ", 521, "\n").replace("PRIVATE KEY-----", "PRIVATE KEY BLOCK-----"), |s| {
            format!("$ gpg --export-secret-keys --armor jo@acme.dev\n{s}\n")
        }),
        // ---- chat bots ----
        case("telegram-bot-token", format!("{}:AA{}", fake(DIGITS, 10, 522), fake(BASE64URL, 33, 523)), |s| {
            format!("curl -s https://api.telegram.org/bot{s}/sendMessage -d chat_id=-1001234567890 -d text=deployed")
        })
        .keeping(&["https://api.telegram.org/bot", "/sendMessage -d chat_id=-1001234567890"]),
        case("telegram-bot-token", format!("{}:AA{}", fake(DIGITS, 9, 524), fake(BASE64URL, 33, 525)), |s| {
            format!("bot = telebot.TeleBot(\"{s}\")")
        })
        .keeping(&["bot = telebot.TeleBot(\""]),
        case(
            "discord-token",
            format!("M{}.{}.{}", fake(ALNUM, 23, 526), fake(BASE64URL, 6, 527), fake(BASE64URL, 38, 528)),
            |s| format!("client.run(\"{s}\")"),
        )
        .keeping(&["client.run(\""]),
        case("discord-token", fake(BASE64URL, 68, 529), |s| {
            format!("POST https://discord.com/api/webhooks/1234567890123456789/{s} 204")
        })
        .keeping(&["https://discord.com/api/webhooks/1234567890123456789/", " 204"]),
        // ---- Twilio, SendGrid, Mailchimp ----
        case("twilio-key", format!("SK{}", fake(HEX, 32, 530)), |s| {
            format!("INFO twilio: authenticated with key {s} (account AC{})", fake(HEX, 32, 531))
        })
        .keeping(&["INFO twilio: authenticated with key ", "(account AC"]),
        case("token", fake(HEX, 32, 532), |s| format!("TWILIO_AUTH_TOKEN={s}")),
        case(
            "sendgrid-key",
            format!("SG.{}.{}", fake(ALNUM, 22, 533), fake(ALNUM, 43, 534)),
            |s| format!("mail:\n  sendgrid_key: {s}\n  from: noreply@acme.dev"),
        )
        .keeping(&["sendgrid_key: ", "from: noreply@acme.dev"]),
        case(
            "sendgrid-key",
            format!("SG.{}.{}", fake(BASE64URL, 22, 535), fake(BASE64URL, 43, 536)),
            |s| format!("sg = SendGridAPIClient('{s}')"),
        ),
        case("mailchimp-key", format!("{}-us21", fake(HEX, 32, 537)), |s| {
            format!("mailchimp.setConfig({{ apiKey: \"{s}\", server: \"us21\" }});")
        })
        .keeping(&["server: \"us21\""]),
        // ---- Django, Rails, Laravel, generic keys ----
        case("secret", format!("${}", fake(DJANGO, 49, 538)), |s| format!("SECRET_KEY = '{s}'\nDEBUG = True"))
            .keeping(&["SECRET_KEY = '", "DEBUG = True"]),
        case("secret", format!("%{}", fake(ALNUM, 49, 539)), |s| format!("DJANGO_SECRET_KEY=\"{s}\"")),
        case("secret", fake(HEX, 128, 540), |s| format!("production:\n  secret_key_base: {s}\n"))
            .keeping(&["secret_key_base: "]),
        case("secret", format!("base64:{}=", fake(BASE64, 43, 541)), |s| format!("APP_NAME=Shop\nAPP_KEY={s}\nAPP_DEBUG=false"))
            .keeping(&["APP_KEY=", "APP_DEBUG=false"]),
        case("secret", fake(HEX, 40, 542), |s| format!("DD_API_KEY=x\nDD_APP_KEY={s}"))
            .keeping(&["DD_APP_KEY="]),
        case("secret", fake(HEX, 32, 543), |s| {
            format!("curl https://api.acme.azure-api.net/orders -H 'Ocp-Apim-Subscription-Key: {s}'")
        })
        .keeping(&["Ocp-Apim-Subscription-Key: "]),
        case("secret", format!("{}=", fake(BASE64, 43, 544)), |s| {
            format!("[Interface]\nPrivateKey = {s}\nAddress = 10.0.0.2/32\n")
        })
        .keeping(&["Address = 10.0.0.2/32"]),
        case("secret", fake(ALNUM, 32, 545), |s| format!("{{\"license_key\": \"{s}\", \"seats\": 5}}"))
            .keeping(&["\"seats\": 5"]),
        // ---- passwords in other shapes ----
        case("password", format!("{}{}", fake(ALNUM, 10, 546), "9"), |s| {
            format!("machine api.heroku.com\n  login jo@acme.dev\n  password {s}\n")
        })
        .keeping(&["login jo@acme.dev"]),
        case("password", format!("{}{}", fake(ALNUM, 12, 547), "4"), |s| {
            format!("machine github.com login jo password {s}")
        })
        .keeping(&["machine github.com login jo password "]),
        case("password", format!("{}!{}", fake(ALNUM, 10, 548), fake(DIGITS, 2, 549)), |s| {
            format!("Server=tcp:acme.database.windows.net,1433;Database=shop;User ID=app;Password={s};Encrypt=true")
        })
        .keeping(&["User ID=app;Password=", ";Encrypt=true"]),
        case("password", fake(ALNUM, 14, 550), |s| format!("Driver={{ODBC Driver 18}};Server=db;Uid=app;Pwd={s};"))
            .keeping(&["Uid=app;Pwd="]),
        case("password", format!("{}{}", fake(ALNUM, 9, 551), "3"), |s| {
            format!("{{\"username\": \"admin\", \"password\": \"{s}")
        }),
        // ---- authorization schemes, session tokens ----
        case("authorization", format!("00{}", fake(BASE64URL, 40, 552)), |s| {
            format!("curl https://acme.okta.com/api/v1/users -H \"Authorization: SSWS {s}\"")
        })
        .keeping(&["Authorization: SSWS "]),
        case("authorization", fake(ALNUM, 40, 553), |s| format!("Authorization: token {s}"))
            .keeping(&["Authorization: token "]),
        case("token", format!("FwoGZXIvYXdzE{}", fake(BASE64, 300, 554)), |s| {
            format!("[default]\naws_session_token = {s}\n")
        })
        .keeping(&["aws_session_token = "]),
        // ---- more vendors ----
        case("shopify-token", format!("shpat_{}", fake(HEX, 32, 555)), |s| {
            format!("-H 'X-Shopify-Access-Token: {s}'")
        }),
        case("atlassian-token", format!("ATATT3xFfGF0{}", fake(BASE64URL, 180, 556)), |s| {
            format!("export JIRA_API_TOKEN={s}")
        }),
        case("bitbucket-token", format!("ATBB{}", fake(ALNUM, 32, 557)), |s| {
            format!("git clone https://jo:{s}@bitbucket.org/acme/api.git")
        })
        .keeping(&["@bitbucket.org/acme/api.git"]),
        case("linear-key", format!("lin_api_{}", fake(ALNUM, 40, 558)), |s| format!("LINEAR_API_KEY={s}")),
        case("notion-token", format!("ntn_{}{}", fake(DIGITS, 11, 559), fake(ALNUM, 35, 560)), |s| {
            format!("const notion = new Client({{ auth: \"{s}\" }});")
        }),
        case("databricks-token", format!("dapi{}", fake(HEX, 32, 561)), |s| {
            format!("[DEFAULT]\nhost = https://adb-123.azuredatabricks.net\ntoken = {s}\n")
        })
        .keeping(&["host = https://adb-123.azuredatabricks.net"]),
        case("doppler-token", format!("dp.pt.{}", fake(ALNUM, 43, 562)), |s| format!("doppler configure set token {s}"))
            .keeping(&["doppler configure set token "]),
        case("vault-token", format!("hvs.{}", fake(BASE64URL, 90, 563)), |s| format!("export VAULT_TOKEN={s}")),
        case("terraform-token", format!("{}.atlasv1.{}", fake(ALNUM, 14, 564), fake(ALNUM, 67, 565)), |s| {
            format!("credentials \"app.terraform.io\" {{\n  token = \"{s}\"\n}}")
        })
        .keeping(&["credentials \"app.terraform.io\""]),
        case("postman-key", format!("PMAK-{}-{}", fake(HEX, 24, 566), fake(HEX, 34, 567)), |s| {
            format!("newman run api.json --postman-api-key {s}")
        }),
        case("grafana-token", format!("glsa_{}_{}", fake(ALNUM, 32, 568), fake(HEX, 8, 569)), |s| {
            format!("curl -H \"Authorization: Bearer {s}\" https://grafana.acme.dev/api/dashboards")
        })
        .keeping(&["https://grafana.acme.dev/api/dashboards"]),
        case("newrelic-key", format!("NRAK-{}", fake(UPPER_DIGITS, 27, 570)), |s| format!("newrelic profile add --apiKey {s} --region us")),
        case("sentry-token", format!("sntrys_{}", fake(ALNUM, 60, 571)), |s| format!("SENTRY_AUTH_TOKEN={s}")),
        case("age-secret-key", format!("AGE-SECRET-KEY-1{}", fake(BECH32, 58, 572)), |s| {
            format!("# created: 2026-11-02T10:15:03Z\n# public key: age1{}\n{s}\n", fake(LOWER_DIGITS, 58, 573))
        })
        .keeping(&["# public key: age1"]),
        case("groq-key", format!("gsk_{}", fake(ALNUM, 52, 574)), |s| format!("client = Groq(api_key=\"{s}\")")),
        case("replicate-token", format!("r8_{}", fake(ALNUM, 37, 575)), |s| format!("REPLICATE_API_TOKEN={s}")),
        case("perplexity-key", format!("pplx-{}", fake(ALNUM, 48, 576)), |s| format!("INFO llm: using key {s}"))
            .keeping(&["INFO llm: using key "]),
        case("xai-key", format!("xai-{}", fake(ALNUM, 80, 577)), |s| format!("XAI_API_KEY={s}")),
        case("rubygems-key", format!("rubygems_{}", fake(HEX, 48, 578)), |s| format!("---\n:rubygems_api_key: {s}\n")),
        case("crates-io-token", format!("cio{}", fake(ALNUM, 32, 579)), |s| format!("$ cargo login {s}\n       Login token for `crates-io` saved"))
            .keeping(&["$ cargo login ", "Login token for `crates-io` saved"]),
        case("docker-hub-token", format!("dckr_pat_{}", fake(BASE64URL, 27, 580)), |s| {
            format!("echo {s} | docker login -u acme --password-stdin")
        })
        .keeping(&[" | docker login -u acme --password-stdin"]),
        case("heroku-key", format!("HRKU-{}", fake(BASE64URL, 60, 581)), |s| format!("$ heroku auth:token\n{s}\n")),
        case("mapbox-token", format!("sk.eyJ{}.{}", fake(BASE64URL, 60, 582), fake(BASE64URL, 22, 583)), |s| {
            format!("MAPBOX_DOWNLOADS_TOKEN={s}")
        }),
        case("planetscale-token", format!("pscale_tkn_{}", fake(ALNUM, 43, 584)), |s| format!("pscale auth login --service-token {s}")),
        case("supabase-token", format!("sbp_{}", fake(HEX, 40, 585)), |s| format!("supabase login --token {s}")),
        case("pulumi-token", format!("pul-{}", fake(HEX, 40, 586)), |s| format!("PULUMI_ACCESS_TOKEN={s}")),
        case("netlify-token", format!("nfp_{}", fake(ALNUM, 36, 587)), |s| format!("netlify deploy --auth {s} --prod")),
        case("google-oauth-secret", format!("GOCSPX-{}", fake(BASE64URL, 28, 588)), |s| {
            format!("{{\"installed\":{{\"client_id\":\"123-abc.apps.googleusercontent.com\",\"client_secret\":\"{s}\"}}}}")
        })
        .keeping(&["123-abc.apps.googleusercontent.com"]),
        case("google-oauth-token", format!("ya29.{}", fake(BASE64URL, 120, 589)), |s| {
            format!("$ gcloud auth print-access-token\n{s}\n")
        }),
        case("firebase-key", format!("AAAA{}:APA91b{}", fake(BASE64URL, 7, 590), fake(BASE64URL, 134, 591)), |s| {
            format!("-H 'Authorization: key={s}'")
        }),
        case("facebook-token", format!("EAA{}", fake(ALNUM, 150, 592)), |s| {
            format!("GET https://graph.facebook.com/v19.0/me?access_token={s}")
        }),
        case("gitlab-token", format!("glrt-{}", fake(BASE64URL, 20, 593)), |s| {
            format!("gitlab-runner register --url https://gitlab.com --token {s}")
        }),
        case("slack-token", format!("xapp-1-A0{}-{}-{}", fake(UPPER_DIGITS, 9, 594), fake(DIGITS, 13, 595), fake(HEX, 64, 596)), |s| {
            format!("SLACK_APP_TOKEN={s}")
        }),
        case("stripe-key", format!("whsec_{}", fake(ALNUM, 32, 597)), |s| format!("stripe listen --forward-to localhost:3000 # {s}")),
    ]
}

pub fn look_alikes() -> Vec<String> {
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
    .into_iter()
    .chain(more_look_alikes())
    .collect()
}

/// Look-alikes of the formats and contexts added for issue 14: public keys and certificates,
/// hashes under key-like names, ids, versions, paths and URLs.
fn more_look_alikes() -> Vec<String> {
    let sha1 = |seed| fake(HEX, 40, seed);
    let sha256 = |seed| fake(HEX, 64, seed);
    let uuid = |seed| {
        let h = fake(HEX, 32, seed);
        format!(
            "{}-{}-4{}-8{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    };
    let integrity = base64(&fake(ALNUM, 64, 620).into_bytes());
    vec![
        // ---- git SHAs, UUIDs, digests ----
        format!("Merge: {} {}", &sha1(601)[..12], &sha1(602)[..12]),
        format!("HEAD is now at {} fix: retry on 503", &sha1(603)[..7]),
        format!("revision = \"{}\"", sha1(604)),
        format!("trace_id={} span_id={}", uuid(605).replace('-', ""), &sha1(606)[..16]),
        format!("DELETE /v1/sessions/{} 204", uuid(607)),
        format!("\"sha256\": \"{}\"", sha256(608)),
        format!("oid sha256:{}\nsize 10485760", sha256(609)),
        format!("x-amz-content-sha256: {}", sha256(610)),
        format!("etag: \"{}\"", fake(HEX, 32, 611)),
        format!("Cache restored from key: Linux-cargo-{}", sha256(612)),
        // ---- package manager lines ----
        format!("\"resolved\": \"https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz\",\n\"integrity\": \"sha512-{integrity}\""),
        format!("golang.org/x/text v0.14.0 h1:{}=", fake(BASE64, 43, 621)),
        "\"lodash\": \"^4.17.21\", \"react\": \"~18.3.1\", \"typescript\": \"5.6.0-beta\"".to_string(),
        "version: 1.0.0-rc.1+sha.5114f85".to_string(),
        "memcore v0.1.0 (/work/wt-secrets/memcore)".to_string(),
        // ---- base64 of prose ----
        format!("echo {} | base64 -d", base64(b"Nothing to see here, move along please.")),
        format!("content: {}", base64(b"# Release notes\n\nThis release fixes the login page and the search box.\n")),
        format!("data: {}", base64(b"the quick brown fox jumps over the lazy dog")),
        // ---- public keys and certificates ----
        format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} jo@laptop", fake(BASE64, 43, 622)),
        format!("[Peer]\nPublicKey = {}=\nAllowedIPs = 10.0.0.0/24", fake(BASE64, 43, 623)),
        format!("{{\"publicKey\": \"{}=\"}}", fake(BASE64, 43, 624)),
        format!("clusters:\n- cluster:\n    certificate-authority-data: {}\n    server: https://10.0.0.1:6443", cert_base64(625)),
        format!("    client-certificate-data: {}", cert_base64(626)),
        format!("public_key = \"{}\"", fake(BASE64, 44, 627)),
        format!("primary_key = \"{}\"", fake(ALNUM, 24, 628)),
        format!("cache_key: v2-{}", sha256(629)),
        // ---- keys, auth and signatures that are no secret ----
        "key: ${{ runner.os }}-cargo-${{ hashFiles('**/Cargo.lock') }}".to_string(),
        "{\"key\": \"ctrl+shift+p\", \"command\": \"workbench.action.showCommands\"}".to_string(),
        "{\"key\": \"editor.fontSize\", \"value\": 14}".to_string(),
        "t(\"auth.errors.password_too_short\")".to_string(),
        "auth: required\nauth_method: oauth2".to_string(),
        "{\"auth\": \"oauth2\", \"auths\": {}, \"credsStore\": \"desktop\"}".to_string(),
        "always-auth=true".to_string(),
        "UseDevelopmentStorage=true;AccountName=devstoreaccount1".to_string(),
        "signature = \"fn(a: u32) -> u32\"".to_string(),
        "git log --show-signature -1".to_string(),
        "kill -s TERM 4242 # sig=TERM".to_string(),
        format!("Twilio account AC{} sent 3 messages", fake(HEX, 32, 630)),
        "SKU-2026-0042 SKIP_TESTS=1".to_string(),
        "chat_id=-1001234567890 at 12:30:45".to_string(),
        "SG.setApiKey(process.env.SENDGRID_API_KEY);".to_string(),
        "Authorization header missing; send Authorization: Bearer <token>".to_string(),
        "password reset".to_string(),
        "machine learning login page password field".to_string(),
        "The Discord.Client.login method takes the bot token.".to_string(),
        // ---- long identifiers and paths ----
        "AbstractSingletonProxyFactoryBeanWithTokenSupport2".to_string(),
        "fn test_password_reset_token_is_rejected_after_expiry_v2() {".to_string(),
        "const MAX_API_KEY_LENGTH_FOR_LEGACY_CLIENTS_2024: usize = 64;".to_string(),
        "/Users/jo/Library/Developer/Xcode/DerivedData/AcmeApp-bqzxmrfjhdcgtaeyowvplnsdkcut/Build/Products".to_string(),
        format!("target/debug/deps/libmemcore-{}.rlib", &sha1(631)[..16]),
        "node_modules/.pnpm/@babel+core@7.24.0_supports-color@9.4.0/node_modules/@babel/core/lib/index.js".to_string(),
        "C:\\Users\\jo\\AppData\\Local\\Temp\\msbuild_6f2b1c9e4d3a_x64\\obj".to_string(),
        // ---- URLs without credentials ----
        "https://example.com/search?q=redis+password+rotation&page=2".to_string(),
        "git clone https://jo@git.acme.dev/platform/infra.git".to_string(),
        "https://storage.googleapis.com/acme-public/logo.png?generation=1716239022123456&alt=media".to_string(),
        "https://acme.blob.core.windows.net/public/logo.png".to_string(),
        "https://discord.com/channels/1234567890123456789/987654321098765432".to_string(),
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
    assert!(cases.len() >= 120, "{} secrets", cases.len());
    let kinds: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.kind).collect();
    assert!(kinds.len() >= 50, "{} kinds: {kinds:?}", kinds.len());
    println!(
        "{} secrets of {} kinds, {} look-alikes",
        cases.len(),
        kinds.len(),
        look_alikes().len()
    );
    assert!(
        look_alikes().len() >= 110,
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
