//! Markdown from credentials (criteria, evidence narratives) as HTML that is safe to put in a
//! public page.
//!
//! The Markdown comes from a credential, which anyone can hand to the `/verify` page, so it
//! is treated as hostile: raw HTML in it is shown as text, never passed through; links keep
//! only `http`, `https` and `mailto` addresses (any other link becomes its plain text); and
//! images become their description, since the pages load no images from elsewhere.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// The schemes a link may keep.
const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Renders Markdown as safe HTML (see the module documentation for what is kept).
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Links cannot contain links in CommonMark, so one flag pairs a dropped start with its end.
    let mut in_dropped_link = false;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            ref dest_url,
            ..
        }) if !is_allowed_link(link_type, dest_url) => {
            in_dropped_link = true;
            None
        }
        Event::End(TagEnd::Link) if in_dropped_link => {
            in_dropped_link = false;
            None
        }
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Whether a link's address may stay a link.
fn is_allowed_link(link_type: LinkType, dest_url: &str) -> bool {
    // An email autolink (`<ada@example.org>`) is written out with `mailto:`.
    if link_type == LinkType::Email {
        return true;
    }
    url::Url::parse(dest_url).is_ok_and(|url| LINK_SCHEMES.contains(&url.scheme()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped_not_passed_through() {
        let html = to_safe_html("Pass the lab.\n\n<script>alert(1)</script>\n\nok <b>bold</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn only_web_and_mail_links_stay_links() {
        let html = to_safe_html(
            "[docs](https://example.org/a?b=1&c=2) [mail](mailto:x@example.org) \
             [bad](javascript:alert(1)) [data](data:text/html,hi) [rel](/local) <x@example.org>",
        );
        assert!(html.contains("<a href=\"https://example.org/a?b=1&amp;c=2\">docs</a>"));
        assert!(html.contains("<a href=\"mailto:x@example.org\">mail</a>"));
        assert!(html.contains("<a href=\"mailto:x@example.org\">x@example.org</a>"));
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(!html.contains("href=\"/local\""), "{html}");
        assert!(html.contains("bad") && html.contains("rel"), "{html}");
    }

    #[test]
    fn images_become_their_description() {
        let html = to_safe_html("![a proud owl](https://tracker.example/pixel.gif)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("a proud owl"), "{html}");
    }

    #[test]
    fn ordinary_markdown_renders() {
        let html = to_safe_html("# Steps\n\n1. Start the lab\n2. **Pass** every check\n");
        assert!(html.contains("<h1>Steps</h1>"), "{html}");
        assert!(
            html.contains("<li><strong>Pass</strong> every check</li>"),
            "{html}"
        );
    }
}
