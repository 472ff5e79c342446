//! claude-mem's XML format: tags, text, lists and attributes.

use super::*;

// ---------------------------------------------------------------------------------------
// XML (claude-mem's format)

/// The byte where an opening tag `<name` starts (followed by `>`, `/` or whitespace), at or
/// after `from`, in lower-cased text.
pub(super) fn find_open_tag(lower: &str, from: usize, name: &str) -> Option<usize> {
    let needle = format!("<{name}");
    let bytes = lower.as_bytes();
    let mut pos = from;
    loop {
        let at = pos + lower.get(pos..)?.find(&needle)?;
        match bytes.get(at + needle.len()) {
            Some(b'>' | b'/') => return Some(at),
            Some(b) if b.is_ascii_whitespace() => return Some(at),
            _ => pos = at + 1,
        }
    }
}

/// The next position of `needle` at or after `from`, remembering the last answer so that a
/// sequence of searches with growing `from` costs one pass.
pub(super) fn find_forward(
    cache: &mut Option<Option<usize>>,
    lower: &str,
    needle: &str,
    from: usize,
) -> Option<usize> {
    match *cache {
        Some(Some(found)) if found >= from => return Some(found),
        Some(None) => return None,
        _ => {}
    }
    let found = lower
        .get(from..)
        .and_then(|rest| rest.find(needle))
        .map(|offset| from + offset);
    *cache = Some(found);
    found
}

/// The byte range of the content of the first `<name>` (trying each name in turn) in
/// `lower`. Without a closing tag the content runs to the next tag (`to_next_tag`) or to the
/// end.
pub(super) fn xml_range(lower: &str, names: &[&str], to_next_tag: bool) -> Option<(usize, usize)> {
    names.iter().find_map(|name| {
        let open = find_open_tag(lower, 0, name)?;
        let gt = open + lower.get(open..)?.find('>')?;
        if gt > 0 && lower.as_bytes().get(gt - 1) == Some(&b'/') {
            return Some((gt + 1, gt + 1));
        }
        let start = gt + 1;
        let rest = lower.get(start..)?;
        let end = match rest.find(&format!("</{name}")) {
            Some(offset) => start + offset,
            None if to_next_tag => rest.find('<').map_or(lower.len(), |offset| start + offset),
            None => lower.len(),
        };
        Some((start, end))
    })
}

/// The decoded, trimmed text of the first `<name>` element.
pub(super) fn xml_text(block: &str, lower: &str, names: &[&str]) -> Option<String> {
    let (start, end) = xml_range(lower, names, true)?;
    Some(decode_xml_text(block.get(start..end)?))
}

/// The entries of a list element (`<facts><fact>..</fact></facts>`); without `<item>`
/// children, the element's text split by lines (and commas when `commas`).
pub(super) fn xml_list(
    block: &str,
    lower: &str,
    names: &[&str],
    item: &str,
    commas: bool,
) -> Vec<String> {
    let Some((start, end)) = xml_range(lower, names, false) else {
        return Vec::new();
    };
    let (Some(region), Some(region_lower)) = (block.get(start..end), lower.get(start..end)) else {
        return Vec::new();
    };
    let close = format!("</{item}");
    let mut items = Vec::new();
    let mut found_tag = false;
    let mut pos = 0;
    while let Some(open) = find_open_tag(region_lower, pos, item) {
        found_tag = true;
        let Some(gt) = region_lower
            .get(open..)
            .and_then(|r| r.find('>'))
            .map(|o| open + o)
        else {
            break;
        };
        let content = gt + 1;
        if region_lower.as_bytes().get(gt.saturating_sub(1)) == Some(&b'/') {
            pos = content;
            continue;
        }
        // The entry ends at the next tag; a CDATA section is taken whole.
        let mut scan_from = content;
        if let Some(rest) = region_lower.get(content..)
            && rest.trim_start().starts_with("<![cdata[")
            && let Some(offset) = rest.find("]]>")
        {
            scan_from = content + offset + 3;
        }
        let next_tag = region_lower
            .get(scan_from..)
            .and_then(|r| r.find('<'))
            .map_or(region_lower.len(), |o| scan_from + o);
        if let Some(entry) = region.get(content..next_tag) {
            items.push(decode_xml_text(entry));
        }
        pos = next_tag;
        if region_lower
            .get(next_tag..)
            .is_some_and(|rest| rest.starts_with(&close))
        {
            pos = next_tag + close.len();
        }
    }
    if found_tag {
        items
    } else {
        split_list(&decode_xml_text(region), commas)
    }
}

/// An element's text: a CDATA section unwrapped, entities decoded, trimmed.
pub(super) fn decode_xml_text(raw: &str) -> String {
    let raw = raw.trim();
    if let Some(inner) = raw
        .strip_prefix("<![CDATA[")
        .and_then(|rest| rest.strip_suffix("]]>"))
    {
        return inner.trim().to_string();
    }
    unescape_xml(raw).trim().to_string()
}

/// Decodes `&lt; &gt; &amp; &quot; &apos;` and numeric character references; anything else
/// that starts with `&` is kept as it is.
pub(super) fn unescape_xml(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let semicolon = after.bytes().take(12).position(|b| b == b';');
        let decoded = semicolon.and_then(|semi| {
            let name = after.get(..semi)?;
            let c = match name {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = after.get(semi + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The decoded value of attribute `name` in the tag that starts at `tag_start`.
pub(super) fn tag_attribute(
    text: &str,
    lower: &str,
    tag_start: usize,
    name: &str,
) -> Option<String> {
    let tag_end = lower
        .get(tag_start..)?
        .find('>')
        .map_or(lower.len(), |o| tag_start + o);
    let tag_lower = lower.get(tag_start..tag_end)?;
    let mut from = 0;
    let value_start = loop {
        let at = from + tag_lower.get(from..)?.find(name)?;
        let before_ok = tag_lower
            .as_bytes()
            .get(at.wrapping_sub(1))
            .is_some_and(u8::is_ascii_whitespace);
        let after = tag_lower.get(at + name.len()..)?.trim_start();
        if before_ok && after.starts_with('=') {
            break tag_lower.len() - after.len() + 1;
        }
        from = at + name.len();
    };
    let rest = text.get(tag_start + value_start..tag_end)?.trim_start();
    let value = match rest.chars().next()? {
        q @ ('"' | '\'') => {
            let inner = rest.get(1..)?;
            inner.get(..inner.find(q).unwrap_or(inner.len()))?
        }
        _ => rest.get(
            ..rest
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(rest.len()),
        )?,
    };
    Some(unescape_xml(value).trim().to_string())
}
