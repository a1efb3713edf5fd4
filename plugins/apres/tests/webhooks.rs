//! A batch's state changes reach its `webhook_url` once each, in order, signed with the recipe
//! key, and a receiver that fails is retried (here it answers 500 to its first two requests).

mod common;

use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `(signature header, timestamp header, body)` of each request the receiver answered 200.
type Accepted = Arc<Mutex<Vec<(String, String, String)>>>;

/// A receiver that answers 500 to its first `failures` requests, then 200.
fn flaky_receiver(failures: usize) -> (String, Accepted, Arc<Mutex<usize>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let accepted: Accepted = Arc::default();
    let attempts = Arc::new(Mutex::new(0usize));
    let (out, count) = (accepted.clone(), attempts.clone());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let mut headers = Vec::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                match line.trim_end().split_once(':') {
                    Some((k, v)) => headers.push((k.to_lowercase(), v.trim().to_owned())),
                    None => break,
                }
            }
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut body = vec![0; header("content-length").parse().unwrap()];
            reader.read_exact(&mut body).unwrap();
            let n = {
                let mut c = count.lock().unwrap();
                *c += 1;
                *c
            };
            let status = if n <= failures {
                "500 Internal Server Error"
            } else {
                out.lock().unwrap().push((
                    header("x-plinth-signature"),
                    header("x-plinth-timestamp"),
                    String::from_utf8(body).unwrap(),
                ));
                "200 OK"
            };
            let answer =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    (url, accepted, attempts)
}

#[tokio::test]
async fn each_state_once_in_order_signed_and_retried() {
    on_both("apres_webhooks", json!({}), |env| async move {
        let (recipe_id, key) = recipe(&env, "species").await;
        let (url, accepted, attempts) = flaky_receiver(2);
        let mut body = batch_body(&[("a.csv", "x\n1\n2\n3\n4\n5\n")]);
        body["webhook_url"] = json!(url);
        let created = send(&env, "POST", "/api/v1/task_batches", &key, &body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.body["id"].as_str().unwrap().to_owned();
        ended(&env, &id).await;
        for _ in 0..500 {
            if accepted.lock().unwrap().len() >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Let a duplicate show up if one were sent.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let accepted = accepted.lock().unwrap().clone();
        let states: Vec<String> = accepted
            .iter()
            .map(|(signature, timestamp, body)| {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
                mac.update(format!("{timestamp}.{body}").as_bytes());
                let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
                assert_eq!(signature, &expected, "signed with the recipe key");
                let event: Value = serde_json::from_str(body).unwrap();
                assert_eq!(event["task_batch_id"], id.as_str());
                assert_eq!(event["recipe_id"], recipe_id.as_str());
                assert!(event["message"].is_string());
                event["state"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(states, ["confirmed", "created", "completed"]);
        assert_eq!(
            *attempts.lock().unwrap(),
            5,
            "two failures retried, then three deliveries"
        );
        let log = env.jobs.deliveries(&id).await.unwrap();
        let events: Vec<&str> = log.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(events, ["submitted", "prepared", "completed"]);
        assert_eq!(log[0].2, 3, "the first delivery took three attempts");
    })
    .await;
}
