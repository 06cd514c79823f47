//! The optimized `dist` pipeline: builds the product and the adapters as core modules, shrinks
//! them with binaryen's `wasm-opt`, makes them components (`wit-component`) and composes them,
//! exactly as `cargo run -p xtask -- dist` does (without writing `dist/`). Checks that the
//! optimized component validates, has the same imports and exports as the component
//! `cargo build --release` makes (the same types; of the imported interfaces, the functions it
//! still calls), fits its size budget, and that both composites still compose and import only
//! their host's interfaces.
//!
//! Needs `wasm-opt` (found as `xtask::find_wasm_opt` does: `$WASM_OPT`, `PATH`, or
//! `cargo run -p xtask -- tools`); without one, the test installs it as `tools` does (npm, from
//! the npm registry). If that fails too, the test fails if `CI` is set and is skipped, with a
//! note, otherwise.
//!
//! Like `compose.rs`, the nested builds use `<target dir>/wasm-build`; the core modules go to its
//! own profile directory (`wasm32-wasip2/wasm-dist`), so they do not replace the components there.

use std::collections::BTreeMap;

use wit_component::DecodedWasm;
use wit_parser::{Function, Handle, Resolve, Type, TypeDefKind, TypeId, TypeOwner, WorldItem};
use xtask::{ADAPTERS, COMPONENT, COMPONENT_BUDGET, COMPOSABLE, OWN_INTERFACE_PREFIX};

const HTTP_HANDLER: &str = "wasi:http/incoming-handler@0.2.12";
const EXCHANGE: &str = "commerce:customer-token/exchange@0.3.0";

/// Standard WASI the component itself may import on every host.
const STANDARD_WASI: &[&str] = &[
    "wasi:http/types@",
    "wasi:io/",
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:random/",
];

/// A component's world, flattened: for each import (or export) and each function and named type
/// in it, a key (`wasi:io/poll@0.2.12 [method]pollable.block`) and its type written out, with
/// named types written as `interface.name` (each is an entry of its own).
fn world_items(component: &[u8], imports: bool) -> BTreeMap<String, String> {
    let decoded = wit_component::decode(component).expect("decode the component's WIT");
    let DecodedWasm::Component(resolve, world) = &decoded else {
        panic!("not a component");
    };
    let world = &resolve.worlds[*world];
    let render = Render(resolve);
    let mut items = BTreeMap::new();
    for (key, item) in if imports {
        &world.imports
    } else {
        &world.exports
    } {
        let key = resolve.name_world_key(key);
        match item {
            WorldItem::Interface { id, .. } => {
                let interface = &resolve.interfaces[*id];
                for (name, ty) in &interface.types {
                    items.insert(
                        format!("{key} type {name}"),
                        render.kind(&resolve.types[*ty].kind),
                    );
                }
                for (name, function) in &interface.functions {
                    items.insert(format!("{key} {name}"), render.function(function));
                }
            }
            WorldItem::Function(function) => {
                items.insert(key, render.function(function));
            }
            WorldItem::Type { id, .. } => {
                items.insert(key, render.kind(&resolve.types[*id].kind));
            }
        }
    }
    items
}

/// Writes WIT types out with no arena ids, so that two `Resolve`s can be compared.
struct Render<'a>(&'a Resolve);

impl Render<'_> {
    fn function(&self, function: &Function) -> String {
        let kind = format!("{:?}", function.kind);
        let kind = kind.split('(').next().unwrap_or_default();
        let resource = function
            .kind
            .resource()
            .map(|id| self.type_id(id))
            .unwrap_or_default();
        let params: Vec<String> = function
            .params
            .iter()
            .map(|param| format!("{}: {}", param.name, self.ty(&param.ty)))
            .collect();
        format!(
            "{kind} {resource} func({}) -> {}",
            params.join(", "),
            self.optional(function.result.as_ref())
        )
    }

    fn ty(&self, ty: &Type) -> String {
        match ty {
            Type::Id(id) => self.type_id(*id),
            primitive => format!("{primitive:?}"),
        }
    }

    fn optional(&self, ty: Option<&Type>) -> String {
        ty.map_or_else(|| "_".to_string(), |ty| self.ty(ty))
    }

    fn type_id(&self, id: TypeId) -> String {
        let def = &self.0.types[id];
        match &def.name {
            Some(name) => {
                let owner = match def.owner {
                    TypeOwner::Interface(interface) => self.0.id_of(interface).unwrap_or_default(),
                    TypeOwner::World(world) => self.0.worlds[world].name.clone(),
                    TypeOwner::None => String::new(),
                };
                format!("{owner}.{name}")
            }
            None => self.kind(&def.kind),
        }
    }

    fn kind(&self, kind: &TypeDefKind) -> String {
        let list = |items: Vec<String>| items.join(", ");
        match kind {
            TypeDefKind::Record(record) => format!(
                "record {{{}}}",
                list(
                    record
                        .fields
                        .iter()
                        .map(|field| format!("{}: {}", field.name, self.ty(&field.ty)))
                        .collect()
                )
            ),
            TypeDefKind::Resource => "resource".to_string(),
            TypeDefKind::Handle(Handle::Own(id)) => format!("own<{}>", self.type_id(*id)),
            TypeDefKind::Handle(Handle::Borrow(id)) => format!("borrow<{}>", self.type_id(*id)),
            TypeDefKind::Flags(flags) => format!(
                "flags {{{}}}",
                list(flags.flags.iter().map(|flag| flag.name.clone()).collect())
            ),
            TypeDefKind::Tuple(tuple) => format!(
                "tuple<{}>",
                list(tuple.types.iter().map(|ty| self.ty(ty)).collect())
            ),
            TypeDefKind::Variant(variant) => format!(
                "variant {{{}}}",
                list(
                    variant
                        .cases
                        .iter()
                        .map(|case| format!("{}({})", case.name, self.optional(case.ty.as_ref())))
                        .collect()
                )
            ),
            TypeDefKind::Enum(cases) => format!(
                "enum {{{}}}",
                list(cases.cases.iter().map(|case| case.name.clone()).collect())
            ),
            TypeDefKind::Option(ty) => format!("option<{}>", self.ty(ty)),
            TypeDefKind::Result(result) => format!(
                "result<{}, {}>",
                self.optional(result.ok.as_ref()),
                self.optional(result.err.as_ref())
            ),
            TypeDefKind::List(ty) => format!("list<{}>", self.ty(ty)),
            TypeDefKind::Map(key, value) => format!("map<{}, {}>", self.ty(key), self.ty(value)),
            TypeDefKind::FixedLengthList(ty, len) => format!("list<{}, {len}>", self.ty(ty)),
            TypeDefKind::Future(ty) => format!("future<{}>", self.optional(ty.as_ref())),
            TypeDefKind::Stream(ty) => format!("stream<{}>", self.optional(ty.as_ref())),
            TypeDefKind::Type(ty) => format!("type {}", self.ty(ty)),
            TypeDefKind::Unknown => "unknown".to_string(),
        }
    }
}

/// Checks that `optimized` validates (with every feature, and with the portable ones alone), has
/// the same imports and exports as `unoptimized`, exports exactly the same functions and types,
/// and imports a subset of its functions and types with the same types: `wasm-opt` drops code
/// that is never called, and `wit-component` then leaves out the import functions only it used,
/// so `optimized` can be used wherever `unoptimized` can.
fn assert_same_interface(what: &str, optimized: &[u8], unoptimized: &[u8]) {
    if let Err(err) = wasmparser::validate(optimized) {
        panic!("{what}: the optimized component does not validate: {err}");
    }
    if let Err(err) = xtask::validate_portable(optimized) {
        panic!("{what}: {err:#}");
    }
    assert_eq!(
        xtask::imports(optimized).expect("imports"),
        xtask::imports(unoptimized).expect("imports"),
        "{what}: imports of the optimized and the unoptimized component"
    );
    assert_eq!(
        xtask::exports(optimized).expect("exports"),
        xtask::exports(unoptimized).expect("exports"),
        "{what}: exports of the optimized and the unoptimized component"
    );
    assert_eq!(
        world_items(optimized, false),
        world_items(unoptimized, false),
        "{what}: exported functions and types of the optimized and the unoptimized component"
    );
    assert_imports_subset(what, optimized, unoptimized);
}

/// Checks that `optimized` imports a subset of `unoptimized`'s functions and types, each with the
/// same type (wasm-opt drops imports only dead code used), and says which were dropped.
fn assert_imports_subset(what: &str, optimized: &[u8], unoptimized: &[u8]) {
    let unoptimized_imports = world_items(unoptimized, true);
    let optimized_imports = world_items(optimized, true);
    for (key, ty) in &optimized_imports {
        assert_eq!(
            Some(ty),
            unoptimized_imports.get(key),
            "{what}: the optimized component imports {key} with another type than the \
             unoptimized one"
        );
    }
    let dropped: Vec<&str> = unoptimized_imports
        .keys()
        .filter(|key| !optimized_imports.contains_key(*key))
        .map(String::as_str)
        .collect();
    if !dropped.is_empty() {
        eprintln!(
            "{what}: unused after wasm-opt, no longer imported: {}",
            dropped.join(", ")
        );
    }
}

#[test]
fn optimized_artifacts_keep_their_interfaces_and_fit_the_budget() {
    if crate::built::wasm_opt().is_none() {
        return;
    }
    let root = xtask::workspace_root();
    let target_dir = xtask::target_dir(&root).join("wasm-build");
    let release = match xtask::build_wasm(&root, Some(&target_dir)) {
        Ok(dir) => dir,
        Err(err) => panic!("building the wasm32-wasip2 crates failed: {err:#}"),
    };
    let dist = crate::built::dist();

    // The product component, both builds: the composable one has the interfaces of the
    // unoptimized (composable) build; the HTTP one the same minus `exchange`.
    let unoptimized = xtask::read_artifact(&release, COMPONENT).expect("component");
    let composable = &dist.composable.component;
    assert!(dist.composable.optimized.is_some(), "wasm-opt was not run");
    assert_same_interface(COMPOSABLE, composable, &unoptimized);
    let component = &dist.component.component;
    assert!(dist.component.optimized.is_some(), "wasm-opt was not run");
    let component_exports = xtask::exports(component).expect("component exports");
    assert_eq!(
        component_exports,
        [HTTP_HANDLER],
        "the HTTP artifact exports the handler alone: no token-minting `exchange`"
    );
    assert_eq!(
        xtask::exports(composable).expect("composable exports"),
        [EXCHANGE, HTTP_HANDLER]
    );
    assert_imports_subset(COMPONENT, component, &unoptimized);
    if let Err(err) = xtask::validate_portable(component) {
        panic!("{COMPONENT}: {err:#}");
    }
    let composable_exports = world_items(composable, false);
    for (key, ty) in world_items(component, false) {
        assert_eq!(
            composable_exports.get(&key),
            Some(&ty),
            "{COMPONENT} exports {key}"
        );
    }
    for (name, built) in [(COMPONENT, component), (COMPOSABLE, composable)] {
        assert!(
            built.len() <= COMPONENT_BUDGET,
            "the optimized {name} component is {} bytes, over its budget of {COMPONENT_BUDGET}",
            built.len()
        );
    }
    eprintln!(
        "{COMPONENT}: {} bytes optimized; {COMPOSABLE}: {} bytes optimized, {} bytes from cargo \
         build --release",
        component.len(),
        composable.len(),
        unoptimized.len()
    );

    for ((adapter, built), composed) in ADAPTERS.iter().zip(&dist.adapters).zip(&dist.composites) {
        // The adapter.
        assert_eq!(built.package, adapter.package);
        let unoptimized_adapter = xtask::read_artifact(&release, adapter.package).expect("adapter");
        assert_same_interface(adapter.package, &built.component, &unoptimized_adapter);
        eprintln!(
            "{}: {} bytes optimized, {} bytes from cargo build --release",
            adapter.package,
            built.component.len(),
            unoptimized_adapter.len()
        );

        // Its composite with the product: what `make_dist` composed, and the same composition
        // done here again from the optimized components.
        let recomposed = xtask::compose(component, &built.component).expect("compose");
        assert_eq!(&recomposed, composed, "composite with {}", adapter.package);
        if let Err(err) = wasmparser::validate(composed) {
            panic!("the {} composite does not validate: {err}", adapter.package);
        }
        let imports = xtask::imports(composed).expect("composite imports");
        for name in &imports {
            assert!(
                !name.starts_with(OWN_INTERFACE_PREFIX)
                    && (adapter.host_interfaces.contains(&name.as_str())
                        || STANDARD_WASI.iter().any(|prefix| name.starts_with(prefix))),
                "the optimized {} composite imports {name}",
                adapter.package
            );
        }
        for host_interface in adapter.host_interfaces {
            assert!(
                imports.iter().any(|name| name == host_interface),
                "the optimized {} composite does not import {host_interface}",
                adapter.package
            );
        }
        assert_eq!(
            xtask::exports(composed).expect("composite exports"),
            component_exports,
            "exports of the optimized {} composite",
            adapter.package
        );

        // The same imports as the composite of the unoptimized components.
        let unoptimized_composed =
            xtask::compose(&unoptimized, &unoptimized_adapter).expect("compose unoptimized");
        eprintln!(
            "the {} composite: {} bytes optimized, {} bytes from cargo build --release",
            adapter.package,
            composed.len(),
            unoptimized_composed.len()
        );
        if let Err(err) = xtask::validate_portable(composed) {
            panic!("the {} composite: {err:#}", adapter.package);
        }
        assert_imports_subset(
            &format!("the {} composite", adapter.package),
            composed,
            &unoptimized_composed,
        );
    }
}
