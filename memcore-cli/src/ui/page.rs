//! The one page: HTML with its script and style inlined, both allowed by a per-response
//! nonce and nothing else (no third-party source, no `eval`, no inline handlers). Shipping
//! the assets inside the binary means the page works offline and needs no build step.

const TEMPLATE: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// The page with `nonce` on its script and style.
pub fn html(nonce: &str) -> String {
    TEMPLATE
        .replace("{{NONCE}}", nonce)
        .replace("/*{{STYLE}}*/", STYLE)
        .replace("/*{{SCRIPT}}*/", SCRIPT)
}

/// The page's Content-Security-Policy: its own nonce'd script and style, requests to itself.
pub fn csp(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_inlines_its_assets_under_the_nonce() {
        let page = html("n0nce");
        assert!(page.contains("<script nonce=\"n0nce\">"));
        assert!(page.contains("<style nonce=\"n0nce\">"));
        assert!(!page.contains("{{"));
        assert!(!page.contains("http://") && !page.contains("https://"));
        // The script must not end its own element early.
        assert_eq!(page.matches("</script>").count(), 1);
    }
}
