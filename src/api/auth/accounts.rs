//! Accounts: what one looks like to the API, and their management by admins (`/users`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::hashing;
use crate::api::error::responses as r;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::{Caller, JsonBody};
use crate::api::AppState;
use crate::db;
use crate::db::users::UserWithScope;
use crate::domain::access::{self, Role};
use crate::domain::credentials;
use crate::domain::FieldError;

/// Language of the mails an account gets (freshness reminders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MailLanguage {
    De,
    En,
}

impl MailLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            MailLanguage::De => "de",
            MailLanguage::En => "en",
        }
    }
}

/// An account. Never carries its password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub language: MailLanguage,
    /// The municipalities an editor maintains.
    pub municipalities: Vec<AccountMunicipality>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountMunicipality {
    pub id: i64,
    /// Amtlicher Gemeindeschlüssel.
    pub ags: String,
    pub name: String,
}

impl From<UserWithScope> for Account {
    fn from(u: UserWithScope) -> Self {
        Account {
            id: u.user.id,
            email: u.user.email,
            display_name: u.user.display_name,
            role: Role::parse(&u.user.role).unwrap_or(Role::Viewer),
            language: if u.user.language == "en" {
                MailLanguage::En
            } else {
                MailLanguage::De
            },
            municipalities: u
                .municipalities
                .into_iter()
                .map(|(id, ags, name)| AccountMunicipality { id, ags, name })
                .collect(),
            active: u.user.active,
            created_at: u.user.created_at,
        }
    }
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub email: String,
    /// Shown in the change history.
    pub display_name: String,
    pub role: Role,
    /// Language of the mails the account gets (default `de`).
    #[serde(default)]
    pub language: Option<MailLanguage>,
    /// Municipality ids an editor maintains (required for editors, ignored otherwise).
    #[serde(default)]
    pub municipality_ids: Vec<i64>,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12)]
    pub password: String,
    /// The acting admin's own password: an account is a credential, and a stolen session must
    /// not be able to make itself a lasting one.
    #[schema(format = Password)]
    pub your_password: String,
}

/// Changes to an account; absent members stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// Language of the mails the account gets.
    pub language: Option<MailLanguage>,
    pub municipality_ids: Option<Vec<i64>>,
    /// `false` deactivates the account and revokes its tokens.
    pub active: Option<bool>,
    /// A new password (revokes the account's tokens).
    #[schema(format = Password, min_length = 12)]
    pub password: Option<String>,
    /// The acting admin's own password; needed with `password` and for the role `admin`.
    #[schema(format = Password)]
    pub your_password: Option<String>,
}

/// List accounts
#[utoipa::path(
    get,
    path = "/users",
    tag = "accounts",
    responses(
        (status = 200, description = "Every account", body = Vec<Account>),
        r::NeedsToken,
        r::NotAdmin,
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    access::authorize_user_admin(caller.principal())?;
    let mut conn = state.pool.get().await?;
    let users = db::users::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(Account::from).collect::<Vec<_>>()))
}

/// Get an account
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account", body = Account),
        r::NeedsToken,
        r::NotAdmin,
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        r::Busy,
    ),
    security(("bearer" = []))
)]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    access::authorize_user_admin(caller.principal())?;
    let id = account_id(&id)?;
    let mut conn = state.pool.get().await?;
    let user = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    Ok(HttpResponse::Ok().json(Account::from(user)))
}

fn account_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("no account `{raw}`")))
}

/// Checks the municipalities of an editor; returns the ids to store.
async fn checked_municipalities(
    conn: &mut diesel_async::AsyncPgConnection,
    role: Role,
    ids: &[i64],
) -> Result<Vec<i64>, ApiError> {
    if role != Role::Editor {
        return Ok(Vec::new());
    }
    if ids.is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/municipality_ids",
            "an editor needs at least one municipality",
        )]));
    }
    let known = db::places::existing_municipality_ids(conn, ids).await?;
    let errors: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(id))
        .map(|(i, id)| {
            FieldError::new(
                format!("/municipality_ids/{i}"),
                format!("no municipality {id}"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(ids.to_vec())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Create an account
#[utoipa::path(
    post,
    path = "/users",
    tag = "accounts",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created", body = Account),
        r::BadBody,
        r::NeedsToken,
        (status = 403, description = "Not an admin, or `your_password` is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail already used", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "Bad member", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::PasswordThrottled,
    ),
    security(("bearer" = []))
)]
pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewAccount>,
) -> Result<HttpResponse, ApiError> {
    let admin = caller.require_user_admin()?;
    let mut errors = Vec::new();
    if let Some(problem) = credentials::email_problem(body.email.trim()) {
        errors.push(FieldError::new("/email", problem));
    }
    let name = body.display_name.trim();
    if let Some(problem) = credentials::name_problem(name, 200) {
        errors.push(FieldError::new("/display_name", problem));
    }
    if let Some(problem) = credentials::password_problem(&body.password) {
        errors.push(FieldError::new("/password", problem));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut conn = state.pool.get().await?;
    let ids = checked_municipalities(&mut conn, body.role, &body.municipality_ids).await?;
    super::confirm_password(&req, &state, &mut conn, admin.user_id, body.your_password).await?;
    let password = body.password;
    let hash = hashing(&state, move || credentials::hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let new = db::users::NewUser {
        email: body.email.trim(),
        display_name: name,
        role: body.role.as_str(),
        password_hash: &hash,
        municipality_ids: &ids,
        language: body.language.unwrap_or(MailLanguage::De).as_str(),
    };
    let id = conn
        .transaction(async |conn| db::users::insert(conn, &new).await)
        .await
        .map_err(email_taken)?;
    let user = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("account vanished")))?;
    Ok(HttpResponse::Created().json(Account::from(user)))
}

fn email_taken(error: diesel::result::Error) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::Conflict {
            detail: "an account with this e-mail address exists".into(),
            errors: vec![FieldError::new("/email", "is already used")],
        },
        _ => ApiError::from(error),
    }
}

/// Change an account
///
/// Deactivating it, changing its role or setting a password revokes its tokens at once.
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "Account id")),
    request_body = AccountChange,
    responses(
        (status = 200, description = "Changed", body = Account),
        r::BadBody,
        r::NeedsToken,
        (status = 403, description = "Not an admin, or `your_password` is missing or wrong where it is needed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        r::NotJson,
        (status = 422, description = "Bad member", body = Problem, content_type = "application/problem+json"),
        r::Busy,
        r::PasswordThrottled,
    ),
    security(("bearer" = []))
)]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    JsonBody(body): JsonBody<AccountChange>,
) -> Result<HttpResponse, ApiError> {
    let admin = caller.require_user_admin()?;
    let id = account_id(&id)?;
    let mut conn = state.pool.get().await?;
    let current = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    let mut errors = Vec::new();
    let name = body.display_name.as_deref().map(str::trim);
    if let Some(problem) = name.and_then(|n| credentials::name_problem(n, 200)) {
        errors.push(FieldError::new("/display_name", problem));
    }
    if let Some(problem) = body
        .password
        .as_deref()
        .and_then(credentials::password_problem)
    {
        errors.push(FieldError::new("/password", problem));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // A password and the admin role are credentials: handing one out needs the acting admin's
    // own password, as a new token does.
    if body.password.is_some() || body.role == Some(Role::Admin) {
        let confirmation = body.your_password.clone().ok_or_else(|| {
            ApiError::Forbidden(
                "setting a password or the role admin needs `your_password`, the acting admin's own"
                    .into(),
            )
        })?;
        super::confirm_password(&req, &state, &mut conn, admin.user_id, confirmation).await?;
    }
    let role = body
        .role
        .unwrap_or(Role::parse(&current.user.role).unwrap_or(Role::Viewer));
    let ids = match (&body.municipality_ids, body.role) {
        (None, None) => None,
        (Some(ids), _) => Some(checked_municipalities(&mut conn, role, ids).await?),
        (None, Some(_)) => {
            let kept: Vec<i64> = current.municipalities.iter().map(|m| m.0).collect();
            Some(checked_municipalities(&mut conn, role, &kept).await?)
        }
    };
    let hash = match body.password {
        Some(password) => Some(
            hashing(&state, move || credentials::hash_password(&password))
                .await?
                .map_err(ApiError::internal)?,
        ),
        None => None,
    };
    let change = db::users::UserUpdate {
        display_name: name,
        role: body.role.map(Role::as_str),
        language: body.language.map(MailLanguage::as_str),
        active: body.active,
        password_hash: hash.as_deref(),
        municipality_ids: ids.as_deref(),
    };
    // Several statements (attributes, municipalities, token revocation): all or none.
    conn.transaction(async |conn| db::users::update(conn, id, &change).await)
        .await?;
    let user = db::users::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no account {id}")))?;
    Ok(HttpResponse::Ok().json(Account::from(user)))
}
