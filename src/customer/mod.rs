//! Customers: the model, its stored record and GraphQL view, input validation, race-free
//! storage and token revocation.

mod email;
pub mod fields;
pub mod link;
pub mod model;
pub mod record;
pub mod repository;
pub mod revocation;
pub mod validate;
pub mod view;

pub use link::Linked;
pub use model::{Attribute, AttributeValue, ConfirmationStatus, Customer, CustomerInput};
pub use record::Record;
pub use repository::{Customers, Found};
pub use revocation::Generations;
pub use validate::{InvalidInput, link_subject, validate};
pub use view::customer_view;
