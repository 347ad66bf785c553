//! A browser for the web interface's tests: a client with its own cookies that does not
//! follow redirects, posts forms with the CSRF token of the page they come from, and signs in
//! as a new organization's owner.

use rosette::validate::{Email, Slug};

use super::TestApp;

/// The password test owners set.
pub const PASSWORD: &str = "a long enough password";

/// A browser: a client with its own cookies that does not follow redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

/// A page as the browser got it.
pub struct Page {
    pub status: u16,
    pub location: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        self.value_of("csrf").expect("a csrf field")
    }

    /// The value of the first field named `name` written `name="…" value="…"`.
    pub fn value_of(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            client,
            base: app.url.clone(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        page(response).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        page(response).await
    }

    /// Posts a form with the CSRF token of the page at `from`.
    pub async fn submit(&self, from: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(path, &fields).await
    }

    /// Posts a multipart form as it is, a file part included.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        page(response).await
    }

    /// Signs in with a password through the sign-in form.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let location = headers
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Page {
        status,
        location,
        headers,
        body: response.text().await.unwrap(),
    }
}

/// An organization made as `rosette orgs create` makes it, with its printed link.
pub async fn new_org(app: &TestApp, owner: &str) -> (rosette::org::Org, String) {
    let slug = format!("org-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (org, link) = rosette::org::create(
        app.state.db(),
        &Slug::parse(&slug).unwrap(),
        "Acme Academy",
        &Email::parse(owner).unwrap(),
    )
    .await
    .unwrap();
    (org, format!("/login/link/{link}"))
}

/// An owner signed in with a password, in a new organization.
pub async fn owner_browser(app: &TestApp) -> (Browser, rosette::org::Org) {
    let (org, link) = new_org(app, "owner@example.org").await;
    let browser = Browser::new(app);
    assert_eq!(browser.get(&link).await.status, 303);
    let saved = browser
        .submit(
            "/account/password",
            "/account/password",
            &[("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    (browser, org)
}

/// Runs the one queued sign-in email and returns the link path it carries.
pub async fn emailed_link(app: &TestApp) -> String {
    let job = rosette::jobs::claim(app.state.db())
        .await
        .unwrap()
        .expect("a queued job");
    assert_eq!(job.kind, rosette::web::SIGN_IN_LINK_JOB);
    assert!(
        !job.payload.to_string().contains("rsl_"),
        "the link lies in the job in plain text"
    );
    rosette::web::send_sign_in_link(&app.state, &job)
        .await
        .unwrap();
    rosette::jobs::complete(app.state.db(), &job).await.unwrap();
    let outbox = app.data_dir.join("outbox");
    let mut newest = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect::<Vec<_>>();
    newest.sort();
    let mail = std::fs::read_to_string(newest.last().unwrap()).unwrap();
    // Long lines are quoted-printable: undo the soft line breaks.
    let mail = mail.replace("=\r\n", "");
    let start = mail.find("/login/link/rsl_").expect("a link in the email");
    let end = mail[start..]
        .find(|c: char| c.is_whitespace())
        .map_or(mail.len(), |n| start + n);
    mail[start..end].to_owned()
}
