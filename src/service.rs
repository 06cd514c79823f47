//! The product's operations, independent of transport: exchange a verified profile for a
//! customer and token, authenticate a token, read its customer, and revoke its tokens.

use std::fmt;

use serde_json::Value;

use crate::config::{self, Config, ConfigError, ProfileOnLogin};
use crate::customer::{
    Customer, CustomerInput, Customers, InvalidInput, Revocations, customer_view, validate,
};
use crate::oauth::{Shaped, SignedRequest, SweepDue, Verifier, VerifyError, nonce};
use crate::ports::{Clock, KeyValue, Secrets, StoreError};
use crate::store_key;
use crate::token::{self, TokenError};

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

#[derive(Debug)]
pub enum ExchangeError {
    Invalid(InvalidInput),
    Internal(Internal),
}

impl From<StoreError> for ExchangeError {
    fn from(error: StoreError) -> Self {
        ExchangeError::Internal(Internal::Store(error))
    }
}

/// Why a Bearer token is refused (Magento's `AuthorizationRequestValidator`, contract §4).
#[derive(Debug)]
pub enum TokenRefusal {
    /// Malformed, forged, or with a foreign header.
    Unreadable,
    Expired,
    Revoked,
    Internal(Internal),
}

impl From<StoreError> for TokenRefusal {
    fn from(error: StoreError) -> Self {
        TokenRefusal::Internal(Internal::Store(error))
    }
}

/// Whom a valid Bearer token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bearer {
    Customer {
        id: u32,
    },
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

    /// Checks the OAuth 1.0a signature of the integration's request and claims its nonce, then,
    /// when the claim is due to, sweeps a bounded number of expired nonces. A failed sweep is
    /// logged, not fatal: the request is authentic and a later one sweeps again.
    pub fn verify_integration(
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

    /// Validates `input`, finds or creates its customer (applying the profile of a repeat
    /// login when so configured), and issues a token for it.
    pub fn exchange(&self, input: &CustomerInput) -> Result<Exchanged, ExchangeError> {
        validate(input).map_err(ExchangeError::Invalid)?;
        let customers = Customers::new(self.ports.store, self.ports.clock);
        let found = customers.find_or_create(input)?;
        let mut customer = found.customer;
        if !found.created && self.config.profile_on_login == ProfileOnLogin::Update {
            let updated = customer.with_profile(input);
            if updated != customer {
                customers.save(&updated)?;
                customer = updated;
            }
        }
        let key = store_key::for_issuing(
            self.ports.store,
            self.ports.clock,
            &self.config.customer_token_secret,
        )?;
        let token = token::issue(
            &key,
            customer.id,
            self.ports.clock.now_unix(),
            self.config.token_lifetime_seconds(),
        );
        Ok(Exchanged {
            customer,
            token,
            created: found.created,
        })
    }

    /// The customer with `id`, if it exists.
    pub fn customer(&self, id: u32) -> Result<Option<Customer>, Internal> {
        Ok(Customers::new(self.ports.store, self.ports.clock).by_id(id)?)
    }

    /// Revokes every token of customer `id` issued up to now.
    pub fn revoke(&self, id: u32) -> Result<(), Internal> {
        Ok(Revocations::new(self.ports.store).revoke(id, self.ports.clock.now_unix())?)
    }

    /// The GraphQL `Customer` object of `customer` in this store's configuration.
    pub fn view(&self, customer: &Customer) -> Value {
        customer_view(customer, self.config.customer_group_id)
    }
}

/// Checks a Bearer token in Magento's order: read (signature, header, claims), expiry,
/// revocation. Reads one configuration key (`customer_token_secret`) and the store's key value
/// (one `get`), so junk tokens cost no more. Whether its customer exists is for the operation that needs one.
pub fn authenticate(ports: Ports<'_>, token: &str) -> Result<Bearer, TokenRefusal> {
    let secret = config::token_secret(ports.secrets)
        .map_err(|error| TokenRefusal::Internal(Internal::Config(error)))?;
    // A store that never issued a token has no key to check one with.
    let Some(key) = store_key::for_verifying(ports.store, ports.clock, &secret)? else {
        return Err(TokenRefusal::Unreadable);
    };
    let claims = match token::verify(&key, token, ports.clock.now_unix()) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => return Err(TokenRefusal::Expired),
        Err(_) => return Err(TokenRefusal::Unreadable),
    };
    if !claims.is_customer() {
        return Ok(Bearer::OtherUser);
    }
    if Revocations::new(ports.store).is_revoked(claims.uid, claims.iat)? {
        return Err(TokenRefusal::Revoked);
    }
    Ok(Bearer::Customer { id: claims.uid })
}

/// One log line on stderr, which every host collects. Never pass secret values here.
pub fn log(message: fmt::Arguments<'_>) {
    eprintln!("customer-token: {message}");
}
