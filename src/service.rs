//! The product's operations, independent of transport: exchange a verified profile for a
//! customer and token, authenticate a token, read its customer, and revoke its tokens.

use std::fmt;

use serde_json::Value;

use crate::config::{self, Config, ConfigError, ProfileOnLogin};
use crate::customer::{
    Customer, CustomerInput, Customers, Generations, InvalidInput, Linked, customer_view,
    link_subject, validate,
};
use crate::oauth::{
    Problem, Shaped, SignedRequest, SweepDue, Verifier, VerifyError, check_shape, nonce,
};
use crate::ports::{Clock, KeyValue, Secrets, StoreError};
use crate::token::{self, Token, TokenError, TokenKey};
use crate::token_key::SecretKey;

/// How many generations before the current one a token is still recognised as revoked rather
/// than unreadable (both are 401 `graphql-authentication`, on which the drop-ins sign out).
/// Each costs a key derivation and an HMAC, but only for a token the current key refused.
pub const REVOKED_GENERATIONS_RECOGNISED: u64 = 4;

/// What the service runs on.
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    pub store: &'a dyn KeyValue,
    pub secrets: &'a dyn Secrets,
    pub clock: &'a dyn Clock,
}

/// A failure of the platform rather than of the request: answered with a bare
/// "Internal server error", logged in full (the messages never contain secret values).
#[derive(Debug)]
pub enum Internal {
    Config(ConfigError),
    Store(StoreError),
}

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Internal::Config(error) => error.fmt(f),
            Internal::Store(error) => error.fmt(f),
        }
    }
}

impl From<StoreError> for Internal {
    fn from(error: StoreError) -> Self {
        Internal::Store(error)
    }
}

/// Magento's messages for the refusals of docs/contract.md §4 (the service's, whatever the
/// transport).
pub const NOT_PERMITTED: &str = "You do not have permission to access this resource.";
pub const NOT_AUTHORIZED: &str = "The current customer isn't authorized.";
/// `CompositeTokenReader`'s message, which replaces the JWT reader's own.
pub const TOKEN_UNREADABLE: &str = "Composite reader could not read a token";
pub const TOKEN_EXPIRED: &str = "Consumer key has expired";
pub const TOKEN_REVOKED: &str = "User token has been revoked";

/// Why a request of the integration is not served.
#[derive(Debug)]
pub enum IntegrationError {
    /// The OAuth check failed ([`NOT_PERMITTED`], with the problem's code).
    Refused(Problem),
    Internal(Internal),
}

/// Why an exchange of a profile makes no token.
#[derive(Debug)]
pub enum ExchangeError {
    Invalid(InvalidInput),
    /// With `customer_link_attribute`, the email's customer is linked to another sign-in.
    LinkedToAnotherSubject,
    Internal(Internal),
}

/// The refusal of [`ExchangeError::LinkedToAnotherSubject`] (category `graphql-authorization`).
pub const LINKED_TO_ANOTHER_SIGN_IN: &str =
    "The account with this email is linked to another sign-in.";

impl From<StoreError> for ExchangeError {
    fn from(error: StoreError) -> Self {
        ExchangeError::Internal(Internal::Store(error))
    }
}

/// Why a Bearer token is refused (Magento's `AuthorizationRequestValidator`, docs/contract.md §4).
#[derive(Debug)]
pub enum TokenRefusal {
    /// Malformed, forged, or with a foreign header.
    Unreadable,
    Expired,
    Revoked,
    Internal(Internal),
}

impl TokenRefusal {
    /// Magento's message for the refusal; `None` for an internal failure.
    pub fn message(&self) -> Option<&'static str> {
        match self {
            TokenRefusal::Unreadable => Some(TOKEN_UNREADABLE),
            TokenRefusal::Expired => Some(TOKEN_EXPIRED),
            TokenRefusal::Revoked => Some(TOKEN_REVOKED),
            TokenRefusal::Internal(_) => None,
        }
    }
}

impl From<StoreError> for TokenRefusal {
    fn from(error: StoreError) -> Self {
        TokenRefusal::Internal(Internal::Store(error))
    }
}

/// Whom a valid Bearer token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bearer {
    /// The customer, as read to check the token (so an operation needs no second read).
    Customer(Box<Customer>),
    /// A valid token of another Magento user type (admin, integration): authenticated, but
    /// not a customer.
    OtherUser,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchanged {
    pub customer: Customer,
    pub token: String,
    pub created: bool,
}

pub struct Service<'a> {
    ports: Ports<'a>,
    config: Config,
}

impl<'a> Service<'a> {
    pub fn new(ports: Ports<'a>) -> Result<Service<'a>, Internal> {
        let config = Config::load(ports.secrets).map_err(Internal::Config)?;
        Ok(Service { ports, config })
    }

    /// The service for a request of the integration, once its OAuth 1.0a signature verified
    /// and its nonce was claimed (docs/contract.md §5). What an unsigned or malformed request
    /// lacks is found before any configuration key is read. A refusal is logged by its code.
    pub fn for_integration(
        ports: Ports<'a>,
        request: &SignedRequest<'_>,
    ) -> Result<Service<'a>, IntegrationError> {
        let refused = |problem: Problem| {
            log(format_args!(
                "integration request refused: {}",
                problem.code()
            ));
            IntegrationError::Refused(problem)
        };
        let shaped = check_shape(request, ports.clock.now_unix(), false).map_err(refused)?;
        let service = Service::new(ports).map_err(IntegrationError::Internal)?;
        match service.verify_integration(request, &shaped) {
            Ok(()) => Ok(service),
            Err(VerifyError::Refused(problem)) => Err(refused(problem)),
            Err(VerifyError::Store(error)) => Err(IntegrationError::Internal(error.into())),
        }
    }

    /// Checks the signature of a request of the right shape and claims its nonce, then, when the
    /// claim is due to, sweeps a bounded number of expired nonces. A failed sweep is logged, not
    /// fatal: the request is authentic and a later one sweeps again.
    fn verify_integration(
        &self,
        request: &SignedRequest<'_>,
        shaped: &Shaped,
    ) -> Result<(), VerifyError> {
        let now = self.ports.clock.now_unix();
        let SweepDue(sweep_due) = Verifier {
            credentials: &self.config.credentials,
            public_base_url: self.config.public_base_url.as_deref(),
            require_body_hash: self.config.require_body_hash,
            now,
        }
        .verify_shaped(request, shaped, self.ports.store)?;
        if sweep_due && let Err(error) = nonce::sweep(self.ports.store, now, nonce::SWEEP_BUDGET) {
            log(format_args!(
                "sweeping expired nonces failed, will retry: {error}"
            ));
        }
        Ok(())
    }

    /// Validates `input`, finds or creates its customer (by email, or by the login's subject
    /// when `customer_link_attribute` is configured; `subject` is the typed interface's, which
    /// stands for that attribute), applies the profile of a repeat login when so configured,
    /// and issues a token with the key of its record and current generation.
    pub fn exchange(
        &self,
        input: &CustomerInput,
        subject: Option<&str>,
    ) -> Result<Exchanged, ExchangeError> {
        let with_subject;
        let input = match (&self.config.link_attribute, subject) {
            (Some(code), Some(subject)) => {
                with_subject = input.with_attribute(code, subject);
                &with_subject
            }
            _ => input,
        };
        validate(input).map_err(ExchangeError::Invalid)?;
        let customers = Customers::new(self.ports.store, self.ports.clock);
        let found = match &self.config.link_attribute {
            None => customers.find_or_create(input)?,
            Some(code) => {
                let subject = link_subject(input, code).map_err(ExchangeError::Invalid)?;
                match customers.find_or_create_linked(input, subject)? {
                    Linked::Customer(found) => *found,
                    Linked::ToAnotherSubject => return Err(ExchangeError::LinkedToAnotherSubject),
                }
            }
        };
        let mut record = found.record;
        if !found.created && self.config.profile_on_login == ProfileOnLogin::Update {
            let before = record.clone();
            record.customer = record.customer.with_profile(input);
            // A linked customer's email follows the sign-in's, unless another customer has it.
            if self.config.link_attribute.is_some()
                && !same_email(&input.email, &record.customer.email)
                && customers.claim_email(&input.email, record.customer.id)?
            {
                record.move_email(&input.email).map_err(|error| {
                    StoreError::Other(format!("no randomness for key material: {error}"))
                })?;
            }
            if record != before {
                customers.save(&record)?;
            }
        }
        let id = record.customer.id;
        let generation = Generations::new(self.ports.store).current(id)?;
        let key = secret_key(&self.config.customer_token_secret)
            .map_err(ExchangeError::Internal)?
            .for_customer(id, &record.key_material, generation);
        let token = token::issue(
            &key,
            id,
            self.ports.clock.now_unix(),
            self.config.token_lifetime_seconds(),
        );
        Ok(Exchanged {
            customer: record.customer,
            token,
            created: found.created,
        })
    }

    /// The GraphQL `Customer` object of `customer` in this store's configuration.
    pub fn view(&self, customer: &Customer) -> Value {
        customer_view(customer, self.config.customer_group_id)
    }
}

/// Revokes every token of customer `id` issued up to now. A Bearer token's operations read
/// only the configuration keys they use (this one none), not the whole [`Config`]: on hosts
/// where each key is a host call (a Spin variable), that is most of a Bearer read's calls.
pub fn revoke(ports: Ports<'_>, id: u32) -> Result<(), Internal> {
    Generations::new(ports.store).revoke(id)?;
    Ok(())
}

/// [`Service::view`] for a Bearer token's customer: reads `customer_group_id` alone.
pub fn bearer_view(ports: Ports<'_>, customer: &Customer) -> Result<Value, Internal> {
    let group_id = config::customer_group_id(ports.secrets).map_err(Internal::Config)?;
    Ok(customer_view(customer, group_id))
}

/// Emails are one customer's when they are equal trimmed and lower-cased.
fn same_email(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Checks a Bearer token in Magento's order: read (signature, header, claims), expiry,
/// revocation. The key is the claimed customer's, so this reads its record (one `get`), one
/// configuration key (`customer_token_secret`) and its generation (one `increment` by 0). A
/// token that is not a JWT reads nothing, and one whose customer has no record reads only
/// that: it cannot be checked, so it is unreadable, whatever it claims.
pub fn authenticate(ports: Ports<'_>, token: &str) -> Result<Bearer, TokenRefusal> {
    let Ok(token) = Token::parse(token) else {
        return Err(TokenRefusal::Unreadable);
    };
    let id = token.claimed_uid();
    let Some(record) = Customers::new(ports.store, ports.clock).by_id(id)? else {
        return Err(TokenRefusal::Unreadable);
    };
    let secret = config::token_secret(ports.secrets)
        .map_err(|error| TokenRefusal::Internal(Internal::Config(error)))?;
    let secret = secret_key(&secret).map_err(TokenRefusal::Internal)?;
    let generation = Generations::new(ports.store).current(id)?;
    let now = ports.clock.now_unix();
    let key = |generation| secret.for_customer(id, &record.key_material, generation);
    let claims = match token.verify(&key(generation), now) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => return Err(TokenRefusal::Expired),
        Err(TokenError::BadSignature) => {
            return Err(refusal_of_older(&token, generation, key, now));
        }
        Err(_) => return Err(TokenRefusal::Unreadable),
    };
    if !claims.is_customer() {
        return Ok(Bearer::OtherUser);
    }
    Ok(Bearer::Customer(Box::new(record.customer)))
}

/// Why a token the current generation's key refused is refused: it was issued before one of
/// the last revocations (expired first, in Magento's order), or it is unreadable.
fn refusal_of_older(
    token: &Token<'_>,
    generation: u64,
    key: impl Fn(u64) -> TokenKey,
    now: i64,
) -> TokenRefusal {
    let oldest = generation.saturating_sub(REVOKED_GENERATIONS_RECOGNISED);
    for older in (oldest..generation).rev() {
        match token.verify(&key(older), now) {
            Ok(_) => return TokenRefusal::Revoked,
            Err(TokenError::Expired) => return TokenRefusal::Expired,
            Err(_) => {}
        }
    }
    TokenRefusal::Unreadable
}

/// The secret's HMAC key schedule, or the configuration error that HMAC never gives.
fn secret_key(secret: &[u8]) -> Result<SecretKey, Internal> {
    SecretKey::new(secret).ok_or(Internal::Config(ConfigError::Invalid {
        key: config::CUSTOMER_TOKEN_SECRET,
        reason: "is not usable as an HMAC key",
    }))
}

/// One log line on stderr, which every host collects. Never pass secret values here.
pub fn log(message: fmt::Arguments<'_>) {
    eprintln!("customer-token: {message}");
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::HashMap;

    use super::*;
    use crate::memory::{MemorySecrets, MemoryStore};

    struct StillClock(Cell<i64>);

    impl Clock for StillClock {
        fn now_unix(&self) -> i64 {
            self.0.get()
        }
        fn pause(&self, _: u64) {}
    }

    fn secrets() -> MemorySecrets {
        MemorySecrets(HashMap::from(
            [
                ("oauth_consumer_key", "ck"),
                ("oauth_consumer_secret", "cs"),
                ("oauth_access_token", "at"),
                ("oauth_access_token_secret", "ats"),
                (
                    "customer_token_secret",
                    "customer-token-secret-0123456789abcdef",
                ),
            ]
            .map(|(key, value)| (key.to_owned(), value.to_owned())),
        ))
    }

    fn input(email: &str) -> CustomerInput {
        CustomerInput {
            firstname: "Roni".into(),
            lastname: "Cost".into(),
            email: email.into(),
            ..CustomerInput::default()
        }
    }

    struct World {
        store: MemoryStore,
        secrets: MemorySecrets,
        clock: StillClock,
    }

    impl World {
        fn new() -> World {
            World {
                store: MemoryStore::default(),
                secrets: secrets(),
                clock: StillClock(Cell::new(1_748_499_421)),
            }
        }

        fn ports(&self) -> Ports<'_> {
            Ports {
                store: &self.store,
                secrets: &self.secrets,
                clock: &self.clock,
            }
        }

        fn exchange(&self, email: &str) -> Exchanged {
            Service::new(self.ports())
                .unwrap()
                .exchange(&input(email), None)
                .unwrap()
        }

        fn revoke(&self, id: u32) {
            revoke(self.ports(), id).unwrap();
        }

        fn refusal(&self, token: &str) -> Option<&'static str> {
            match authenticate(self.ports(), token) {
                Ok(_) => None,
                Err(TokenRefusal::Unreadable) => Some("unreadable"),
                Err(TokenRefusal::Expired) => Some("expired"),
                Err(TokenRefusal::Revoked) => Some("revoked"),
                Err(TokenRefusal::Internal(error)) => panic!("{error}"),
            }
        }
    }

    #[test]
    fn a_login_in_the_second_of_a_revocation_gets_a_working_token() {
        let world = World::new();
        let before = world.exchange("a@example.com");
        world.revoke(before.customer.id);
        let after = world.exchange("a@example.com");
        assert_eq!(world.refusal(&before.token), Some("revoked"));
        assert_eq!(world.refusal(&after.token), None);
        assert_eq!(
            authenticate(world.ports(), &after.token).unwrap(),
            Bearer::Customer(Box::new(after.customer))
        );
    }

    #[test]
    fn tokens_of_the_last_four_generations_are_revoked_and_older_ones_unreadable() {
        let world = World::new();
        let token = world.exchange("a@example.com").token;
        let id = 1;
        for _ in 0..REVOKED_GENERATIONS_RECOGNISED {
            world.revoke(id);
            assert_eq!(world.refusal(&token), Some("revoked"));
        }
        world.revoke(id);
        assert_eq!(world.refusal(&token), Some("unreadable"));
    }

    #[test]
    fn a_revoked_token_that_has_expired_is_expired_as_magento_checks_expiry_first() {
        let world = World::new();
        let token = world.exchange("a@example.com").token;
        world.revoke(1);
        world.clock.0.set(world.clock.0.get() + 3_600);
        assert_eq!(world.refusal(&token), Some("expired"));
    }

    #[test]
    fn a_token_whose_record_was_created_again_under_its_id_is_unreadable() {
        let world = World::new();
        let victim = world.exchange("victim@example.com");
        // The store loses everything written since it was empty (restored from a snapshot).
        for key in world.store.keys() {
            if !key.starts_with("oauth") {
                world.store.delete(&key).unwrap();
            }
        }
        let mallory = world.exchange("mallory@example.com");
        assert_eq!(mallory.customer.id, victim.customer.id);
        assert_eq!(world.refusal(&victim.token), Some("unreadable"));
        assert_eq!(
            authenticate(world.ports(), &mallory.token).unwrap(),
            Bearer::Customer(Box::new(mallory.customer))
        );
    }

    #[test]
    fn a_token_for_a_customer_the_store_does_not_have_is_unreadable() {
        let world = World::new();
        let token = world.exchange("a@example.com").token;
        world.store.delete("customer:1").unwrap();
        assert_eq!(world.refusal(&token), Some("unreadable"));
    }
}
