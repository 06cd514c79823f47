//! Every size limit the engine enforces, in one place.
//!
//! They exist because the component must never trap: a stack overflow or a runaway loop on
//! hostile input is an empty 500 from the host. Each limit is far above what a real client
//! (GraphiQL's introspection query, Apollo, codegen tools) needs.

/// Brackets of any kind (`{`, `[`, `(`) open at once in the document text. Checked by a linear
/// scan before parsing, so the recursive-descent parser and every AST walker recurse at most
/// this deep (plus a small constant per level).
pub const MAX_NESTING: usize = 64;

/// graphql-php's `QueryDepth` measure (nested fields that have a selection set, counted
/// through fragments, the root field being depth 0). GraphiQL's introspection query reaches 10.
/// Together with [`MAX_NESTING`] it bounds every recursion that follows fragment spreads.
pub const MAX_QUERY_DEPTH: u64 = 15;

/// Field selections (aliases counted separately, fragments expanded where spread, introspection
/// included) in one operation or fragment definition. GraphiQL's introspection query has ~190.
/// This bounds every pass that expands fragments, however often they are spread.
pub const MAX_FIELDS: u64 = 500;

/// Pairs of same-named fields `OverlappingFieldsCanBeMerged` may compare in one document
/// (graphql-php's `DEFAULT_MAX_COMPARISON_COUNT`).
pub const MAX_FIELD_COMPARISONS: u64 = 100_000;

/// Validation errors reported for one document (graphql-js's `maxErrors`); past it validation
/// stops with "Too many validation errors, error limit reached. Validation aborted.". Without
/// it a 64 KiB document can ask for millions of error messages, tens of megabytes of response.
pub const MAX_VALIDATION_ERRORS: usize = 100;

/// Values (objects, list items, leaves) in one response. Field and depth limits bound the
/// document, not its answer: lists multiply it (aliased introspection of every type's every
/// field reached 1.4 MB from 5 KB). GraphiQL's full introspection answer has about 3,600.
pub const MAX_RESULT_VALUES: usize = 10_000;
