//! The server over loopback HTTP, in front of the runtime: routing, the body limit, and any
//! `wasi:http` component behind it.

use bytes::Bytes;
use customer_token_host::client;
use customer_token_host::server::Server;
use customer_token_runtime::Runtime;
use customer_token_testkit::components;
use customer_token_testkit::fixture::{Fixture, json_body as json, typename_request};

/// Serves `runtime` on a free loopback port until the returned sender is dropped or fired.
async fn serve(
    server: Server,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    (addr, stop, serving)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_answers_over_loopback() {
    let fixture = Fixture::new();
    let server = Server::bind("127.0.0.1:0", fixture.runtime.clone())
        .await
        .unwrap()
        .max_body_bytes(1024)
        .log_requests(false);
    let (addr, stop, serving) = serve(server).await;

    let response = client::send(typename_request(&format!("http://{addr}/graphql")))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response.body()),
        serde_json::json!({"data": {"__typename": "Query"}})
    );

    let not_found = client::send(
        http::Request::get(format!("http://{addr}/elsewhere"))
            .body(Bytes::new())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(not_found.status(), 404);

    let too_big = client::send(
        http::Request::post(format!("http://{addr}/graphql"))
            .header("content-type", "application/json")
            .body(Bytes::from(vec![b' '; 4096]))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(too_big.status(), 413);
    json(too_big.body());

    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}

/// Any `wasi:http` component runs behind the same server as the product.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_wasi_http_component_runs_behind_the_server() {
    let runtime = Runtime::builder()
        .component(components::hello())
        .build()
        .expect("hello-world loads");
    let server = Server::bind("127.0.0.1:0", runtime).await.unwrap();
    let (addr, stop, serving) = serve(server).await;
    let response = client::send(typename_request(&format!("http://{addr}/graphql")))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response.body()),
        serde_json::json!({"data": {"hello": "world"}})
    );
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}
