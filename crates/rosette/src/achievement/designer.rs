//! The built-in badge designer: a shape, two colours, an icon and a label, drawn as a clean
//! 512×512 SVG, so an author needs no design tool to give an achievement an image.
//!
//! The drawing is a pure function of the [`Design`]: the same design always gives the same
//! bytes, which lets the preview endpoint be cached and the stored design be edited later.
//! Every piece of text is XML-escaped and every colour is checked as `#rrggbb`, so nothing a
//! user types can add markup to the drawing.

use std::fmt::Write as _;

use quick_xml::escape::escape;
use serde::{Deserialize, Serialize};

/// The most characters on the ribbon.
pub const MAX_TEXT_CHARS: usize = 24;
/// The most characters in the subtitle.
pub const MAX_SUBTITLE_CHARS: usize = 32;
/// The side of the drawing, in pixels.
pub const SIZE: u32 = 512;

/// The centre of the badge's body (a little above the middle, to leave room under the ribbon).
const CX: f64 = 256.0;
const CY: f64 = 240.0;

/// The outline of the badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// A hexagon standing on a point.
    Hexagon,
    /// A circle.
    Circle,
    /// A heraldic shield.
    Shield,
    /// A scalloped rosette.
    Rosette,
    /// A square with rounded corners.
    Square,
}

impl Shape {
    /// Every shape, in the order the designer offers them.
    pub const ALL: [Self; 5] = [
        Self::Hexagon,
        Self::Circle,
        Self::Shield,
        Self::Rosette,
        Self::Square,
    ];

    /// The shape's name, as in requests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hexagon => "hexagon",
            Self::Circle => "circle",
            Self::Shield => "shield",
            Self::Rosette => "rosette",
            Self::Square => "square",
        }
    }

    /// Reads a shape by name.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| format!("{name:?} is not a shape; use one of: {}", names(&Self::ALL)))
    }

    /// The outline as SVG elements (fill and stroke come from the enclosing group).
    fn outline(self) -> String {
        match self {
            Self::Hexagon => {
                let points: Vec<String> = (0..6)
                    .map(|k| {
                        let angle = (-90.0 + 60.0 * f64::from(k)).to_radians();
                        point(CX + 206.0 * angle.cos(), CY + 206.0 * angle.sin())
                    })
                    .collect();
                format!(r#"<polygon points="{}"/>"#, points.join(" "))
            }
            Self::Circle => format!(r#"<circle cx="{CX}" cy="{CY}" r="198"/>"#),
            Self::Shield => concat!(
                r#"<path d="M256 34L440 94V234C440 352 364 424 256 470"#,
                r#"C148 424 72 352 72 234V94Z"/>"#
            )
            .to_owned(),
            Self::Rosette => rosette_outline(),
            Self::Square => r#"<rect x="52" y="36" width="408" height="408" rx="56"/>"#.to_owned(),
        }
    }
}

/// A scalloped edge: arcs bulging outwards between points on a circle.
fn rosette_outline() -> String {
    const SCALLOPS: u32 = 20;
    const RADIUS: f64 = 186.0;
    const BULGE: f64 = 31.0;
    let at = |k: u32| {
        let angle = (360.0 / f64::from(SCALLOPS) * f64::from(k) - 90.0).to_radians();
        point(CX + RADIUS * angle.cos(), CY + RADIUS * angle.sin())
    };
    let mut d = format!("M{}", at(0).replace(',', " "));
    for k in 1..=SCALLOPS {
        let _ = write!(
            d,
            "A{BULGE} {BULGE} 0 0 1 {}",
            at(k % SCALLOPS).replace(',', " ")
        );
    }
    d.push('Z');
    format!(r#"<path d="{d}"/>"#)
}

/// A point as SVG writes it, to a tenth of a pixel so the output does not depend on the last
/// bits of floating point.
fn point(x: f64, y: f64) -> String {
    format!("{x:.1},{y:.1}")
}

/// The symbol in the middle of the badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Icon {
    /// A five-pointed star.
    Star,
    /// A tick.
    Check,
    /// Angle brackets and a slash.
    Code,
    /// A shield.
    Shield,
    /// A rocket.
    Rocket,
    /// An open book.
    Book,
    /// A terminal window with a prompt.
    Terminal,
    /// A cloud.
    Cloud,
    /// A padlock.
    Lock,
    /// A heart.
    Heart,
    /// A lightning bolt.
    Bolt,
    /// A cup.
    Trophy,
}

impl Icon {
    /// Every icon, in the order the designer offers them.
    pub const ALL: [Self; 12] = [
        Self::Star,
        Self::Check,
        Self::Code,
        Self::Shield,
        Self::Rocket,
        Self::Book,
        Self::Terminal,
        Self::Cloud,
        Self::Lock,
        Self::Heart,
        Self::Bolt,
        Self::Trophy,
    ];

    /// The icon's name, as in requests.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Star => "star",
            Self::Check => "check",
            Self::Code => "code",
            Self::Shield => "shield",
            Self::Rocket => "rocket",
            Self::Book => "book",
            Self::Terminal => "terminal",
            Self::Cloud => "cloud",
            Self::Lock => "lock",
            Self::Heart => "heart",
            Self::Bolt => "bolt",
            Self::Trophy => "trophy",
        }
    }

    /// Reads an icon by name.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|i| i.as_str() == name)
            .ok_or_else(|| format!("{name:?} is not an icon; use one of: {}", names(&Self::ALL)))
    }

    /// The icon's path on a 24×24 grid, drawn as a 2-unit round stroke.
    fn path(self) -> &'static str {
        match self {
            Self::Star => {
                "M12 2.5L14.5 9.1L21.5 9.4L16 13.8L17.9 20.6L12 16.7L6.1 20.6L8 13.8L2.5 9.4\
                 L9.5 9.1Z"
            }
            Self::Check => "M4.5 12.5L9.5 17.5L19.5 6.5",
            Self::Code => "M8 6.5L2.5 12L8 17.5M16 6.5L21.5 12L16 17.5M14 4L10 20",
            Self::Shield => {
                "M12 2.5L20 5.5V11.5C20 16.2 16.6 19.6 12 21.5C7.4 19.6 4 16.2 4 11.5V5.5Z"
            }
            Self::Rocket => {
                "M12 2C15.6 4.6 17 8.4 17 12.5V17H7V12.5C7 8.4 8.4 4.6 12 2ZM7 12.5L4 15.5V20\
                 L7 17.5M17 12.5L20 15.5V20L17 17.5M10 20.5H14M12 8A1.5 1.5 0 1 0 12 11\
                 A1.5 1.5 0 1 0 12 8Z"
            }
            Self::Book => {
                "M12 6.5C10 5 7 4.5 3 5V18.5C7 18 10 18.5 12 20C14 18.5 17 18 21 18.5V5\
                 C17 4.5 14 5 12 6.5ZM12 6.5V20"
            }
            Self::Terminal => "M3 4.5H21V19.5H3ZM7 9L10 12L7 15M12.5 15H17",
            Self::Cloud => "M7 18.5H17.5A4 4 0 0 0 18 10.5A6 6 0 0 0 6.5 9.5A4.5 4.5 0 0 0 7 18.5Z",
            Self::Lock => "M5 11H19V21H5ZM8 11V7.5A4 4 0 0 1 16 7.5V11M12 14.5V17.5",
            Self::Heart => {
                "M12 20.5C6 16 2.5 12.6 2.5 8.8C2.5 6 4.6 4 7.2 4C9.2 4 10.9 5.2 12 7\
                 C13.1 5.2 14.8 4 16.8 4C19.4 4 21.5 6 21.5 8.8C21.5 12.6 18 16 12 20.5Z"
            }
            Self::Bolt => "M13.5 2L4.5 13.5H11.5L10.5 22L19.5 10.5H12.5Z",
            Self::Trophy => {
                "M7 3H17V9A5 5 0 0 1 7 9ZM7 5H3.5V7A3.5 3.5 0 0 0 7 10.5M17 5H20.5V7\
                 A3.5 3.5 0 0 1 17 10.5M12 14V17.5M9 17.5H15V21H9Z"
            }
        }
    }
}

/// A `#rrggbb` colour, stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^#[0-9a-f]{6}$")]
pub struct Colour(String);

impl Colour {
    /// Reads `#rrggbb` (either case).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let hex = text.strip_prefix('#').unwrap_or("");
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(format!("#{}", hex.to_ascii_lowercase())))
        } else {
            Err(format!(
                "{text:?} is not a colour; write it as # and six hex digits, like #4f46e5"
            ))
        }
    }

    /// The colour as `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn channels(&self) -> [u8; 3] {
        let channel = |at: usize| u8::from_str_radix(&self.0[at..at + 2], 16).unwrap_or(0);
        [channel(1), channel(3), channel(5)]
    }

    /// Black-ish or white text, whichever reads better on this colour (by WCAG luminance).
    fn ink(&self) -> &'static str {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.channels();
        let luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
        // Where the contrast with white and with #111827 is equal.
        if luminance > 0.18 {
            "#111827"
        } else {
            "#ffffff"
        }
    }

    /// The colour darkened by a third, for the ribbon's folds.
    fn shade(&self) -> String {
        let [r, g, b] = self.channels();
        let dark = |c: u8| c - c / 3;
        format!("#{:02x}{:02x}{:02x}", dark(r), dark(g), dark(b))
    }
}

impl TryFrom<String> for Colour {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<Colour> for String {
    fn from(colour: Colour) -> Self {
        colour.0
    }
}

/// A badge design: everything the designer needs to draw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Design {
    /// The outline.
    pub shape: Shape,
    /// The body's colour.
    pub primary: Colour,
    /// The rim's and the ribbon's colour.
    pub secondary: Colour,
    /// The symbol in the middle.
    pub icon: Icon,
    /// The label on the ribbon.
    pub text: String,
    /// A smaller line above the ribbon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
}

/// A design as a client sends it: every field as text, checked by `Design::parse`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignFields {
    /// The outline: `hexagon`, `circle`, `shield`, `rosette` or `square`.
    pub shape: String,
    /// The body's colour, `#rrggbb`.
    pub primary: String,
    /// The rim's and the ribbon's colour, `#rrggbb`.
    pub secondary: String,
    /// The symbol in the middle, by name (`star`, `check`, …: as `Icon::ALL` lists them).
    pub icon: String,
    /// The label on the ribbon, at most 24 characters (`MAX_TEXT_CHARS`).
    pub text: String,
    /// A smaller line above the ribbon, at most 32 characters (`MAX_SUBTITLE_CHARS`).
    #[serde(default)]
    pub subtitle: Option<String>,
}

impl Design {
    /// Checks every field; the errors name the field (`/shape`, `/primary`, …).
    pub fn parse(fields: &DesignFields) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let shape = keep(e, "/shape", Shape::parse(&fields.shape));
        let primary = keep(e, "/primary", Colour::parse(&fields.primary));
        let secondary = keep(e, "/secondary", Colour::parse(&fields.secondary));
        let icon = keep(e, "/icon", Icon::parse(&fields.icon));
        let text = keep(e, "/text", label(&fields.text, "text", MAX_TEXT_CHARS));
        let subtitle = match fields.subtitle.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(s) => keep(e, "/subtitle", label(s, "subtitle", MAX_SUBTITLE_CHARS)).map(Some),
        };
        match (shape, primary, secondary, icon, text, subtitle) {
            (
                Some(shape),
                Some(primary),
                Some(secondary),
                Some(icon),
                Some(text),
                Some(subtitle),
            ) => Ok(Self {
                shape,
                primary,
                secondary,
                icon,
                text,
                subtitle,
            }),
            _ => Err(errors),
        }
    }
}

/// The value, or `None` with the problem recorded against `pointer`.
fn keep<T>(
    errors: &mut Vec<(&'static str, String)>,
    pointer: &'static str,
    result: Result<T, String>,
) -> Option<T> {
    result.map_err(|e| errors.push((pointer, e))).ok()
}

fn label(text: &str, what: &str, max: usize) -> Result<String, String> {
    crate::validate::name(text, what, max)
}

fn names<T: Copy + Into<&'static str>>(all: &[T]) -> String {
    all.iter()
        .map(|&x| x.into())
        .collect::<Vec<&str>>()
        .join(", ")
}

impl From<Shape> for &'static str {
    fn from(shape: Shape) -> Self {
        shape.as_str()
    }
}

impl From<Icon> for &'static str {
    fn from(icon: Icon) -> Self {
        icon.as_str()
    }
}

/// Draws the design as a standalone 512×512 SVG document.
pub fn render(design: &Design) -> String {
    let outline = design.shape.outline();
    let primary = design.primary.as_str();
    let secondary = design.secondary.as_str();
    let label = escape(design.text.as_str());
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" "#
    );
    let _ = write!(svg, r#"viewBox="0 0 {SIZE} {SIZE}" role="img">"#);
    let _ = write!(svg, "<title>{label}</title>");

    // The body, its rim, and a thin inner ring for depth.
    let _ = write!(
        svg,
        r#"<g fill="{primary}" stroke="{secondary}" stroke-width="14" "#
    );
    let _ = write!(svg, r#"stroke-linejoin="round">{outline}</g>"#);
    let _ = write!(
        svg,
        r##"<g fill="none" stroke="#ffffff" stroke-opacity="0.35" stroke-width="4" "##
    );
    let _ = write!(
        svg,
        r#"transform="translate({CX} {CY}) scale(0.86) translate(-{CX} -{CY})">{outline}</g>"#
    );

    // The icon sits higher when a subtitle needs the space above the ribbon.
    let ink = design.primary.ink();
    let icon_top = if design.subtitle.is_some() { 104 } else { 124 };
    let _ = write!(
        svg,
        r#"<g transform="translate(178 {icon_top}) scale(6.5)" fill="none" stroke="{ink}" "#
    );
    let _ = write!(
        svg,
        r#"stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">"#
    );
    let _ = write!(svg, r#"<path d="{}"/></g>"#, design.icon.path());

    if let Some(subtitle) = &design.subtitle {
        let size = font_size(subtitle, 540, 26);
        let _ = write!(
            svg,
            r#"<text x="256" y="300" fill="{ink}" font-size="{size}" {FONT}>{}</text>"#,
            escape(subtitle.as_str())
        );
    }

    ribbon(&mut svg, design, &label);
    svg.push_str("</svg>\n");
    svg
}

/// The font of every label: the system's sans-serif, bold, centred.
const FONT: &str =
    r#"font-family="Helvetica, Arial, sans-serif" font-weight="700" text-anchor="middle""#;

/// A swallow-tailed band across the badge with the label on it.
fn ribbon(svg: &mut String, design: &Design, label: &str) {
    let secondary = design.secondary.as_str();
    let shade = design.secondary.shade();
    // The folds behind the band's ends, then the band.
    let _ = write!(
        svg,
        r#"<path d="M36 340H96V404L66 386L36 404Z" fill="{shade}"/>"#
    );
    let _ = write!(
        svg,
        r#"<path d="M476 340H416V404L446 386L476 404Z" fill="{shade}"/>"#
    );
    let _ = write!(svg, r#"<path d="M56 318H456V382H56Z" fill="{secondary}"/>"#);
    let size = font_size(&design.text, 600, 40);
    let baseline = 350 + size * 7 / 20;
    let ink = design.secondary.ink();
    let _ = write!(
        svg,
        r#"<text x="256" y="{baseline}" fill="{ink}" font-size="{size}" {FONT}>{label}</text>"#
    );
}

/// A font size that fits `text` in the space: `budget` divided by its length, at most `max`.
fn font_size(text: &str, budget: usize, max: usize) -> usize {
    let chars = text.chars().count().max(1);
    (budget / chars).clamp(12, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::achievement::image;

    fn design(shape: Shape, icon: Icon) -> Design {
        Design {
            shape,
            primary: Colour::parse("#4F46E5").unwrap(),
            secondary: Colour::parse("#f59e0b").unwrap(),
            icon,
            text: "Rust & <Friends>".into(),
            subtitle: Some("Level \"2\"".into()),
        }
    }

    #[test]
    fn every_shape_with_several_icons_renders_a_safe_well_formed_svg() {
        for shape in Shape::ALL {
            for icon in Icon::ALL {
                let svg = render(&design(shape, icon));
                image::check_svg(svg.as_bytes())
                    .unwrap_or_else(|e| panic!("{shape:?} {icon:?}: {e}"));
                let mut reader = quick_xml::Reader::from_str(&svg);
                let mut elements = 0;
                loop {
                    match reader.read_event().unwrap() {
                        quick_xml::events::Event::Eof => break,
                        quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_) => {
                            elements += 1
                        }
                        _ => {}
                    }
                }
                assert!(elements > 8, "{shape:?} {icon:?}");
                assert!(svg.contains(r#"width="512" height="512""#));
            }
        }
    }

    #[test]
    fn text_is_escaped_and_colours_are_normalized() {
        let svg = render(&design(Shape::Circle, Icon::Star));
        assert!(svg.contains("Rust &amp; &lt;Friends&gt;"));
        assert!(svg.contains("Level &quot;2&quot;"));
        assert!(!svg.contains("<Friends>"));
        assert!(svg.contains("#4f46e5"));
    }

    #[test]
    fn the_drawing_is_deterministic() {
        let d = design(Shape::Rosette, Icon::Trophy);
        assert_eq!(render(&d), render(&d));
    }

    #[test]
    fn the_label_colour_contrasts_with_its_background() {
        assert_eq!(Colour::parse("#ffffff").unwrap().ink(), "#111827");
        assert_eq!(Colour::parse("#fde047").unwrap().ink(), "#111827");
        assert_eq!(Colour::parse("#1e3a8a").unwrap().ink(), "#ffffff");
    }

    #[test]
    fn bad_colours_are_refused() {
        for bad in [
            "red",
            "#fff",
            "#12345g",
            "4f46e5",
            "#4f46e5ff",
            "",
            "#4f46e5\"/>",
        ] {
            assert!(Colour::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn design_fields_are_checked_one_by_one() {
        let fields = DesignFields {
            shape: "triangle".into(),
            primary: "blue".into(),
            secondary: "#000000".into(),
            icon: "skull".into(),
            text: "x".repeat(MAX_TEXT_CHARS + 1),
            subtitle: Some("y".repeat(MAX_SUBTITLE_CHARS + 1)),
        };
        let errors = Design::parse(&fields).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            pointers,
            ["/shape", "/primary", "/icon", "/text", "/subtitle"]
        );
        assert!(errors[0].1.contains("hexagon, circle"));

        let ok = DesignFields {
            shape: "shield".into(),
            primary: "#000000".into(),
            secondary: "#FFFFFF".into(),
            icon: "bolt".into(),
            text: " Fast ".into(),
            subtitle: Some(" ".into()),
        };
        let design = Design::parse(&ok).unwrap();
        assert_eq!((design.text.as_str(), design.subtitle), ("Fast", None));
        assert_eq!(design.secondary.as_str(), "#ffffff");
    }

    #[test]
    fn designs_round_trip_through_json() {
        let d = design(Shape::Hexagon, Icon::Code);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["shape"], "hexagon");
        assert_eq!(json["primary"], "#4f46e5");
        assert_eq!(serde_json::from_value::<Design>(json).unwrap(), d);
    }
}
