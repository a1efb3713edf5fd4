//! Shared helpers: components built from WAT in-process, bundles in temporary folders, and
//! calls through the engine API exactly as the host makes them.
#![allow(dead_code)]

pub mod guests;

use plinth_engine_api::{
    Action, ApiError, Endpoint, EngineFactory, Input, LoadContext, LoadError, Reply, Request,
    ServerResources,
};
use plinth_engine_function::FunctionFactory;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::Resolve;

/// The host interfaces' WIT, as shipped in the repository.
pub const HOST_WIT: &str = include_str!("../../../../../wit/host/host.wit");

/// A component from a WIT world (which may import `plinth:host`) and a WAT core module that
/// implements it with the canonical ABI.
pub fn component(wit: &str, world: &str, wat: &str) -> Vec<u8> {
    let mut resolve = Resolve::default();
    resolve
        .push_source("host.wit", HOST_WIT)
        .expect("host WIT parses");
    let package = resolve
        .push_source("test.wit", wit)
        .expect("test WIT parses");
    let world = resolve
        .select_world(&[package], Some(world))
        .expect("world exists");
    let mut module = wat::parse_str(wat).expect("WAT parses");
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
        .expect("metadata embeds");
    ComponentEncoder::default()
        .module(&module)
        .expect("module accepted")
        .validate(true)
        .encode()
        .expect("component encodes")
}

/// A bundle folder with the component at `fn.wasm`, plus a cache folder beside it.
pub struct Bundle {
    pub dir: tempfile::TempDir,
}

impl Bundle {
    pub fn new(component: &[u8]) -> Bundle {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bundle")).unwrap();
        std::fs::write(dir.path().join("bundle/fn.wasm"), component).unwrap();
        Bundle { dir }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("bundle")
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// A load context for an endpoint with the manifest fields `fields` (TOML, `component`
    /// defaults to `fn.wasm`).
    pub fn ctx(
        &self,
        id: &str,
        fields: &str,
        siblings: HashMap<String, Arc<dyn Endpoint>>,
    ) -> LoadContext {
        let mut config: toml::Table = toml::from_str(fields).expect("test manifest parses");
        config
            .entry("component")
            .or_insert_with(|| toml::Value::String("fn.wasm".into()));
        let server = Arc::new(ServerResources {
            data_dir: self.dir.path().to_path_buf(),
            cache_dir: self.cache(),
            ..Default::default()
        });
        LoadContext::new("svc", "v1", id, self.root(), config, server).with_siblings(siblings)
    }

    pub async fn load(&self, id: &str, fields: &str) -> Result<Arc<dyn Endpoint>, LoadError> {
        FunctionFactory
            .load(self.ctx(id, fields, HashMap::new()))
            .await
    }
}

pub async fn post(endpoint: &Arc<dyn Endpoint>, body: Value) -> Result<Reply, ApiError> {
    let Value::Object(map) = body else {
        panic!("body must be an object")
    };
    endpoint
        .serve(Request {
            observe: false,
            action: Action::Run,
            input: Input::Json(map),
        })
        .await
}

pub async fn get(endpoint: &Arc<dyn Endpoint>, pairs: &[(&str, &str)]) -> Result<Reply, ApiError> {
    endpoint
        .serve(Request {
            observe: false,
            action: Action::Run,
            input: Input::Query(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        })
        .await
}

/// The `response` member of a reply.
pub fn response(reply: &Reply) -> &Value {
    reply.body.get("response").expect("a response member")
}
