//! The achievement form: its fields as posted and shown again, and its checks, each
//! problem a sentence naming the field.
//!
//! Field names (kept stable for browser tests and documented in `docs/web.md`): `issuer_id`,
//! `name`, `description`, `criteria`, `achievement_type`, `tags` (comma separated),
//! `points`, `valid_for_days` (empty: forever), the skill rows `skill_name_N`,
//! `skill_framework_N`, `skill_code_N`, `skill_url_N` (N from 0; empty rows are ignored),
//! `image_source` (`keep`, `design`, `upload` or `none`), the file `image`, and the design
//! `shape`, `primary`, `secondary`, `icon`, `text`, `subtitle`.

use serde::Serialize;

use super::form::{Fields, Problems, UploadedFile, labelled, whole_number};
use crate::achievement::designer::{Design, DesignFields};
use crate::achievement::image::{self, Image, ImageError, ImageKind};
use crate::achievement::{self, Achievement, Artwork, NewAchievement, Skill};
use crate::validate;

/// How many blank skill rows the form offers below the filled ones.
pub const BLANK_SKILL_ROWS: usize = 3;
/// The design a new achievement starts from (the preview endpoint's defaults).
const DEFAULT_SHAPE: &str = "hexagon";
const DEFAULT_PRIMARY: &str = "#4f46e5";
const DEFAULT_SECONDARY: &str = "#f59e0b";
const DEFAULT_ICON: &str = "star";
/// What a preview shows on the ribbon before any text is typed.
const PREVIEW_TEXT: &str = "Achievement";
/// The first bytes of every PNG file.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The achievement form, as posted and as shown again.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AchievementForm {
    issuer_id: String,
    name: String,
    description: String,
    criteria: String,
    /// The OB 3.0 type (shown again to pick the option).
    pub achievement_type: String,
    skills: Vec<SkillRow>,
    tags: String,
    points: String,
    valid_for_days: String,
    image_source: String,
    /// The designer's fields.
    pub design: DesignRow,
}

/// One row of the skills table.
#[derive(Debug, Clone, Default, Serialize)]
struct SkillRow {
    name: String,
    framework: String,
    code: String,
    url: String,
}

/// The designer's fields, as text.
#[derive(Debug, Clone, Serialize)]
pub struct DesignRow {
    shape: String,
    primary: String,
    secondary: String,
    icon: String,
    text: String,
    subtitle: String,
}

/// What the form does with the image.
#[derive(Debug)]
pub enum ArtworkChange {
    /// Leaves it as it is.
    Keep,
    /// Sets it (`None` removes it).
    Set(Option<Artwork>),
}

impl Default for DesignRow {
    fn default() -> Self {
        Self {
            shape: DEFAULT_SHAPE.to_owned(),
            primary: DEFAULT_PRIMARY.to_owned(),
            secondary: DEFAULT_SECONDARY.to_owned(),
            icon: DEFAULT_ICON.to_owned(),
            text: String::new(),
            subtitle: String::new(),
        }
    }
}

impl DesignRow {
    fn of(design: &Design) -> Self {
        Self {
            shape: design.shape.as_str().to_owned(),
            primary: design.primary.as_str().to_owned(),
            secondary: design.secondary.as_str().to_owned(),
            icon: design.icon.as_str().to_owned(),
            text: design.text.clone(),
            subtitle: design.subtitle.clone().unwrap_or_default(),
        }
    }

    fn read(fields: &Fields) -> Self {
        let get = |name: &str| fields.get(name).to_owned();
        Self {
            shape: get("shape"),
            primary: get("primary"),
            secondary: get("secondary"),
            icon: get("icon"),
            text: get("text"),
            subtitle: get("subtitle"),
        }
    }

    /// The design, or a sentence per invalid field.
    fn parse(&self) -> Result<Design, Vec<String>> {
        let fields = DesignFields {
            shape: self.shape.clone(),
            primary: self.primary.clone(),
            secondary: self.secondary.clone(),
            icon: self.icon.clone(),
            text: self.text.clone(),
            subtitle: Some(self.subtitle.clone()),
        };
        Design::parse(&fields).map_err(|problems| {
            let sentence =
                |(pointer, message): (&str, String)| labelled(design_label(pointer), &message);
            problems.into_iter().map(sentence).collect()
        })
    }

    /// The query of the design's preview image (`/api/v1/designer/preview?…`), when the
    /// design is valid (an empty text is previewed with a placeholder, as the live preview
    /// does).
    pub fn preview_query(&self) -> Option<String> {
        let mut row = self.clone();
        if row.text.trim().is_empty() {
            row.text = PREVIEW_TEXT.to_owned();
        }
        let design = row.parse().ok()?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("shape", design.shape.as_str())
            .append_pair("primary", design.primary.as_str())
            .append_pair("secondary", design.secondary.as_str())
            .append_pair("icon", design.icon.as_str())
            .append_pair("text", &design.text);
        if let Some(subtitle) = &design.subtitle {
            query.append_pair("subtitle", subtitle);
        }
        Some(query.finish())
    }
}

/// The label of a design field in sentences.
fn design_label(pointer: &str) -> &'static str {
    match pointer {
        "/shape" => "The badge shape",
        "/primary" => "The primary colour",
        "/secondary" => "The secondary colour",
        "/icon" => "The badge icon",
        "/text" => "The badge text",
        "/subtitle" => "The badge subtitle",
        _ => "The badge design",
    }
}

impl SkillRow {
    fn is_empty(&self) -> bool {
        [&self.name, &self.framework, &self.code, &self.url]
            .iter()
            .all(|v| v.trim().is_empty())
    }

    /// The skill of a filled row (`n` counts rows from 1), or `None` with its problems.
    fn check(&self, n: usize, problems: &mut Problems) -> Option<Skill> {
        let max = achievement::MAX_SKILL_FIELD_CHARS;
        let name = problems.keep(validate::name(
            &self.name,
            &format!("The name of skill {n}"),
            max,
        ));
        let mut optional = |value: &str, what: &str| match value.trim() {
            "" => None,
            value => problems.keep(validate::name(
                value,
                &format!("The {what} of skill {n}"),
                max,
            )),
        };
        let framework = optional(&self.framework, "framework");
        let code = optional(&self.code, "code");
        let url = match self.url.trim() {
            "" => None,
            url => problems.keep(validate::web_url(url, &format!("The address of skill {n}"))),
        };
        Some(Skill {
            name: name?,
            url,
            framework,
            code,
        })
    }
}

impl AchievementForm {
    /// The form of a new achievement: the first issuer, the default type and a design.
    pub fn blank(issuer_id: Option<String>) -> Self {
        Self {
            issuer_id: issuer_id.unwrap_or_default(),
            achievement_type: achievement::DEFAULT_ACHIEVEMENT_TYPE.to_owned(),
            points: "0".to_owned(),
            image_source: "design".to_owned(),
            ..Self::default()
        }
    }

    /// The form of an existing achievement.
    pub fn of(a: &Achievement) -> Self {
        let skills = a.skills.iter().map(|s| SkillRow {
            name: s.name.clone(),
            framework: s.framework.clone().unwrap_or_default(),
            code: s.code.clone().unwrap_or_default(),
            url: s.url.clone().unwrap_or_default(),
        });
        let image_source = match (&a.design, &a.image_type) {
            (Some(_), _) => "design",
            (None, Some(_)) => "keep",
            (None, None) => "none",
        };
        Self {
            issuer_id: a.issuer_id.clone(),
            name: a.name.clone(),
            description: a.description.clone(),
            criteria: a.criteria.clone(),
            achievement_type: a.achievement_type.clone(),
            skills: skills.collect(),
            tags: a.tags.join(", "),
            points: a.points.to_string(),
            valid_for_days: a.valid_for_days.map(|d| d.to_string()).unwrap_or_default(),
            image_source: image_source.to_owned(),
            design: a.design.as_ref().map(DesignRow::of).unwrap_or_default(),
        }
    }

    /// The form as posted.
    pub fn read(fields: &Fields) -> Self {
        let get = |name: &str| fields.get(name).to_owned();
        let skills = (0..)
            .take_while(|n| fields.has(&format!("skill_name_{n}")))
            .map(|n| SkillRow {
                name: get(&format!("skill_name_{n}")),
                framework: get(&format!("skill_framework_{n}")),
                code: get(&format!("skill_code_{n}")),
                url: get(&format!("skill_url_{n}")),
            });
        Self {
            issuer_id: get("issuer_id"),
            name: get("name"),
            description: get("description"),
            criteria: get("criteria"),
            achievement_type: get("achievement_type"),
            skills: skills.collect(),
            tags: get("tags"),
            points: get("points"),
            valid_for_days: get("valid_for_days"),
            image_source: get("image_source"),
            design: DesignRow::read(fields),
        }
    }

    /// The form to show: the filled skill rows and a few blank ones, up to the limit.
    pub fn for_display(&self) -> Self {
        let mut shown = self.clone();
        shown.skills.retain(|row| !row.is_empty());
        let rows = (shown.skills.len() + BLANK_SKILL_ROWS).min(achievement::MAX_SKILLS);
        if shown.skills.len() < rows {
            shown.skills.resize(rows, SkillRow::default());
        }
        shown
    }

    /// The design's problems alone, for the "Preview" button.
    pub fn design_problems(&self) -> Vec<String> {
        self.design.parse().err().unwrap_or_default()
    }

    /// Checks every field and the image (an uploaded file is decoded off the async threads):
    /// the achievement (without artwork) and what to do with its image. `editing` allows
    /// `image_source=keep`.
    pub async fn check(
        &self,
        file: Option<UploadedFile>,
        editing: bool,
    ) -> Result<(NewAchievement, ArtworkChange), Vec<String>> {
        let artwork = self.check_artwork(file, editing).await;
        let mut problems = Problems::default();
        let checked = self.check_fields(&mut problems);
        let artwork = artwork.map_err(|errors| errors.into_iter().for_each(|e| problems.add(e)));
        match artwork {
            Ok(artwork) if problems.is_empty() => Ok((checked, artwork)),
            _ => Err(problems.into_vec()),
        }
    }

    /// Every field but the image; meaningful only when no problem was recorded.
    fn check_fields(&self, p: &mut Problems) -> NewAchievement {
        let issuer_id = match self.issuer_id.trim() {
            "" => p.keep(Err(
                "Choose the issuer that awards the achievement.".to_owned()
            )),
            id => Some(id.to_owned()),
        };
        let name = p.keep(validate::name(
            &self.name,
            "The name",
            achievement::MAX_NAME_CHARS,
        ));
        let description = p.keep(required_text(
            &self.description,
            "The description",
            achievement::MAX_DESCRIPTION_CHARS,
        ));
        let criteria = p.keep(required_text(
            &self.criteria,
            "The criteria",
            achievement::MAX_CRITERIA_CHARS,
        ));
        // As in the API, no type is the default one.
        let kind = match self.achievement_type.trim() {
            "" => Ok(achievement::DEFAULT_ACHIEVEMENT_TYPE.to_owned()),
            kind => achievement::achievement_type(kind),
        };
        let achievement_type = p.keep(kind.map_err(|e| labelled("The achievement type", &e)));
        NewAchievement {
            issuer_id: issuer_id.unwrap_or_default(),
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            criteria: criteria.unwrap_or_default(),
            achievement_type: achievement_type.unwrap_or_default(),
            skills: check_skills(&self.skills, p),
            tags: check_tags(&self.tags, p),
            points: p.keep(points(&self.points)).unwrap_or_default(),
            valid_for_days: p.keep(valid_for_days(&self.valid_for_days)).flatten(),
            artwork: None,
        }
    }

    async fn check_artwork(
        &self,
        file: Option<UploadedFile>,
        editing: bool,
    ) -> Result<ArtworkChange, Vec<String>> {
        let one = |problem: &str| Err(vec![problem.to_owned()]);
        match self.image_source.as_str() {
            "keep" if editing => Ok(ArtworkChange::Keep),
            "none" => Ok(ArtworkChange::Set(None)),
            "design" => {
                let design = self.design.parse()?;
                Ok(ArtworkChange::Set(Some(Artwork::Designed(design))))
            }
            "upload" => {
                let Some(file) = file else {
                    return one("Choose a PNG or SVG file to upload, or pick another image.");
                };
                let checked = tokio::task::spawn_blocking(move || uploaded_image(file)).await;
                let image = checked.map_err(|_| vec!["The image could not be checked.".into()])?;
                let image = image.map_err(|problem| vec![problem])?;
                Ok(ArtworkChange::Set(Some(Artwork::Uploaded(image))))
            }
            _ => one("Choose how the achievement gets its image."),
        }
    }
}

/// A required text of several lines.
fn required_text(text: &str, what: &str, max: usize) -> Result<String, String> {
    let text = validate::text(text, what, max)?;
    if text.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    Ok(text)
}

/// The skills of the filled rows; empty rows are ignored.
fn check_skills(rows: &[SkillRow], problems: &mut Problems) -> Vec<Skill> {
    let filled = rows.iter().filter(|row| !row.is_empty()).count();
    if filled > achievement::MAX_SKILLS {
        problems.add(format!(
            "An achievement aligns to at most {} skills; {filled} were given",
            achievement::MAX_SKILLS
        ));
        return Vec::new();
    }
    rows.iter()
        .enumerate()
        .filter(|(_, row)| !row.is_empty())
        .filter_map(|(n, row)| row.check(n + 1, problems))
        .collect()
}

/// Comma-separated tags, trimmed, without empty ones or repeats.
fn check_tags(text: &str, problems: &mut Problems) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let tag = validate::name(tag, "A tag", achievement::MAX_TAG_CHARS);
        if let Some(tag) = problems.keep(tag)
            && !tags.contains(&tag)
        {
            tags.push(tag);
        }
    }
    if tags.len() > achievement::MAX_TAGS {
        problems.add(format!(
            "An achievement has at most {} tags; {} were given",
            achievement::MAX_TAGS,
            tags.len()
        ));
    }
    tags
}

fn points(text: &str) -> Result<i64, String> {
    let max = achievement::MAX_POINTS;
    let problem = || format!("The points must be a whole number from 0 to {max}");
    let points = whole_number(text, problem)?.unwrap_or(0);
    if (0..=max).contains(&points) {
        Ok(points)
    } else {
        Err(problem())
    }
}

fn valid_for_days(text: &str) -> Result<Option<i64>, String> {
    let max = achievement::MAX_VALID_FOR_DAYS;
    let problem = || {
        format!(
            "The validity must be a whole number of days from 1 to {max}; leave it empty for \
             no expiry"
        )
    };
    match whole_number(text, problem)? {
        Some(days) if !(1..=max).contains(&days) => Err(problem()),
        days => Ok(days),
    }
}

/// The uploaded file as a checked PNG or SVG image.
fn uploaded_image(file: UploadedFile) -> Result<Image, String> {
    let label = "The uploaded image";
    if file.too_large {
        return Err(labelled(label, &ImageError::TooLarge.to_string()));
    }
    let kind = kind_of(&file.bytes).ok_or_else(|| {
        format!(
            "The uploaded file {:?} is not a PNG or an SVG image",
            file.file_name
        )
    })?;
    image::check(kind, &file.bytes).map_err(|e| labelled(label, &e.to_string()))?;
    Ok(Image {
        kind,
        bytes: file.bytes,
    })
}

/// What a file claims to be by its first bytes: a PNG signature, or text that starts with
/// markup (which the SVG check then parses). The browser's media type is not trusted.
fn kind_of(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(PNG_SIGNATURE) {
        return Some(ImageKind::Png);
    }
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    (first == Some(&b'<')).then_some(ImageKind::Svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> AchievementForm {
        AchievementForm::read(&super::super::form::pairs(fields))
    }

    #[test]
    fn empty_skill_rows_are_ignored_and_filled_ones_checked_by_row_number() {
        let form = form(&[
            ("skill_name_0", "Rust"),
            ("skill_url_0", "https://example.org/rust"),
            ("skill_name_1", ""),
            ("skill_name_2", ""),
            ("skill_code_2", "K-1"),
        ]);
        let mut problems = Problems::default();
        let skills = check_skills(&form.skills, &mut problems);
        assert_eq!(skills.len(), 1);
        assert_eq!(skills[0].url.as_deref(), Some("https://example.org/rust"));
        assert_eq!(
            problems.into_vec(),
            ["The name of skill 3 must not be empty"]
        );
        assert_eq!(form.for_display().skills.len(), 2 + BLANK_SKILL_ROWS);
    }

    #[test]
    fn tags_are_split_on_commas_without_repeats() {
        let mut problems = Problems::default();
        let tags = check_tags(" rust, sql ,, rust ", &mut problems);
        assert_eq!(tags, ["rust", "sql"]);
        assert!(problems.is_empty());
        let many = vec!["t"; achievement::MAX_TAGS + 1]
            .iter()
            .enumerate()
            .map(|(n, t)| format!("{t}{n}"))
            .collect::<Vec<_>>()
            .join(",");
        check_tags(&many, &mut problems);
        assert!(!problems.is_empty());
    }

    #[test]
    fn numbers_are_checked_against_their_ranges() {
        assert_eq!(points(""), Ok(0));
        assert_eq!(points(" 25 "), Ok(25));
        assert!(points("-1").is_err() && points("ten").is_err());
        assert_eq!(valid_for_days(""), Ok(None));
        assert_eq!(valid_for_days("365"), Ok(Some(365)));
        assert!(valid_for_days("0").is_err() && valid_for_days("1.5").is_err());
    }

    #[test]
    fn files_are_recognized_by_their_first_bytes_only() {
        assert_eq!(kind_of(b"\x89PNG\r\n\x1a\nrest"), Some(ImageKind::Png));
        assert_eq!(kind_of(b"\xef\xbb\xbf  <svg/>"), Some(ImageKind::Svg));
        assert_eq!(kind_of(b"GIF89a"), None);
        assert_eq!(kind_of(b""), None);
    }

    #[test]
    fn a_valid_design_has_a_preview_and_a_bad_colour_a_sentence() {
        let mut design = DesignRow::default();
        let query = design.preview_query().unwrap();
        assert!(query.starts_with("shape=hexagon&primary=%234f46e5"));
        assert!(query.contains("text=Achievement"));
        design.primary = "blue".into();
        assert_eq!(design.preview_query(), None);
        let problems = design.parse().unwrap_err();
        assert!(
            problems[0].starts_with("The primary colour: "),
            "{problems:?}"
        );
    }
}
