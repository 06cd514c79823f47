//! Customers: the model, input validation and race-free storage.

mod email;
pub mod model;
pub mod repository;
pub mod validate;

pub use model::{Attribute, ConfirmationStatus, Customer, CustomerInput};
pub use repository::{Customers, Found};
pub use validate::{InvalidInput, validate};
