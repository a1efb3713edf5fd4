//! Token-bucket rate limits of user calls (GCRA, through `governor`): one bucket per API key
//! for services that need a key, one per remote address for public services. The server's
//! `[rate_limit]` sets the defaults; a service's `[service.rate_limit]` replaces them member by
//! member. A call over its bucket answers 429 with `Retry-After`.
//!
//! Memory stays bounded: buckets exist only for services that exist, IPv6 addresses share one
//! bucket per /64 (what one client can easily hold), and buckets back to full are dropped by
//! [`RateLimits::forget_idle`], which the host runs every few seconds.

use crate::bundle::ServiceRateLimit;
use crate::config::RateLimitConfig;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use plinth_engine_api::ApiError;
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The limits in force for one service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EffectiveLimit {
    /// Calls per second per key.
    pub per_key: Option<f64>,
    /// Calls per second per remote address.
    pub per_address: Option<f64>,
    /// Bucket size in seconds of the rate.
    pub burst_seconds: f64,
}

impl EffectiveLimit {
    /// The service's own limits over the server defaults.
    pub fn of(service: Option<&ServiceRateLimit>, server: &RateLimitConfig) -> EffectiveLimit {
        let own = service.copied().unwrap_or_default();
        EffectiveLimit {
            per_key: own.per_key_per_second.or(server.per_key_per_second),
            per_address: own.per_address_per_second.or(server.per_address_per_second),
            burst_seconds: own
                .burst_seconds
                .or(server.burst_seconds)
                .filter(|b| b.is_finite() && *b > 0.0)
                .unwrap_or(1.0),
        }
    }

    fn is_off(&self) -> bool {
        self.per_key.is_none() && self.per_address.is_none()
    }
}

/// Who a call is counted against.
#[derive(Clone, Copy, Debug)]
pub enum Caller<'a> {
    /// A valid API key, by id.
    Key(&'a str),
    /// An anonymous caller, by remote address.
    Address(IpAddr),
}

struct ServiceBuckets {
    limit: EffectiveLimit,
    per_key: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

fn quota(per_second: f64, burst_seconds: f64) -> Option<Quota> {
    if !(per_second.is_finite() && per_second > 0.0) {
        return None;
    }
    let period = Duration::from_secs_f64((1.0 / per_second).min(86_400.0));
    let burst = (per_second * burst_seconds)
        .ceil()
        .clamp(1.0, u32::MAX as f64) as u32;
    Quota::with_period(period)
        .map(|q| q.allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)))
}

impl ServiceBuckets {
    fn new(limit: EffectiveLimit) -> ServiceBuckets {
        ServiceBuckets {
            limit,
            per_key: limit
                .per_key
                .and_then(|r| quota(r, limit.burst_seconds))
                .map(RateLimiter::keyed),
            per_address: limit
                .per_address
                .and_then(|r| quota(r, limit.burst_seconds))
                .map(RateLimiter::keyed),
        }
    }
}

/// The rate limiters of every service.
#[derive(Default)]
pub struct RateLimits {
    by_service: RwLock<HashMap<String, Arc<ServiceBuckets>>>,
}

/// The address a bucket is kept for: IPv4 as is, IPv6 by its /64.
fn bucket_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimits {
    /// Counts one call of `caller` to `service`; a 429 with `Retry-After` when its bucket is
    /// empty. Free when the service has no limit.
    pub fn check(
        &self,
        service: &str,
        limit: EffectiveLimit,
        caller: Caller<'_>,
    ) -> Result<(), ApiError> {
        if limit.is_off() {
            return Ok(());
        }
        let buckets = self.buckets(service, limit);
        let (outcome, rate, whom) = match caller {
            Caller::Key(id) => match &buckets.per_key {
                Some(l) => (l.check_key(&id.to_owned()), limit.per_key, "API key"),
                None => return Ok(()),
            },
            Caller::Address(ip) => match &buckets.per_address {
                Some(l) => (
                    l.check_key(&bucket_address(ip)),
                    limit.per_address,
                    "address",
                ),
                None => return Ok(()),
            },
        };
        let Err(not_until) = outcome else {
            return Ok(());
        };
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        Err(ApiError::new(
            429,
            "TooManyRequests",
            format!(
                "rate limit of service \"{service}\" reached: {} calls per second per {whom}; retry in {seconds} s",
                rate.unwrap_or(0.0)
            ),
        )
        .with_retry_after(seconds))
    }

    fn buckets(&self, service: &str, limit: EffectiveLimit) -> Arc<ServiceBuckets> {
        if let Some(found) = self
            .by_service
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(service)
            && found.limit == limit
        {
            return found.clone();
        }
        let mut all = self.by_service.write().unwrap_or_else(|e| e.into_inner());
        let entry = all
            .entry(service.to_owned())
            .or_insert_with(|| Arc::new(ServiceBuckets::new(limit)));
        if entry.limit != limit {
            // The service's limits changed (a deploy, a new server config): start afresh.
            *entry = Arc::new(ServiceBuckets::new(limit));
        }
        entry.clone()
    }

    /// Drops the buckets of services that no longer exist and the buckets that are full again
    /// (indistinguishable from new ones).
    pub fn forget_idle(&self, exists: impl Fn(&str) -> bool) {
        let mut all = self.by_service.write().unwrap_or_else(|e| e.into_inner());
        all.retain(|service, _| exists(service));
        let kept: Vec<Arc<ServiceBuckets>> = all.values().cloned().collect();
        drop(all);
        for buckets in kept {
            if let Some(l) = &buckets.per_key {
                l.retain_recent();
                l.shrink_to_fit();
            }
            if let Some(l) = &buckets.per_address {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
    }

    /// Buckets held, over all services (for `/metrics`).
    pub fn tracked(&self) -> usize {
        self.by_service
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|b| {
                b.per_key.as_ref().map_or(0, |l| l.len())
                    + b.per_address.as_ref().map_or(0, |l| l.len())
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(per_key: Option<f64>, per_address: Option<f64>) -> EffectiveLimit {
        EffectiveLimit {
            per_key,
            per_address,
            burst_seconds: 1.0,
        }
    }

    #[test]
    fn a_bucket_empties_and_answers_429_with_retry_after() {
        let limits = RateLimits::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let l = limit(None, Some(3.0));
        for _ in 0..3 {
            limits.check("s", l, Caller::Address(ip)).unwrap();
        }
        let e = limits.check("s", l, Caller::Address(ip)).unwrap_err();
        assert_eq!((e.status, e.error_type.as_ref()), (429, "TooManyRequests"));
        assert_eq!(e.retry_after, Some(1));
        assert!(
            e.message.contains("3 calls per second per address"),
            "{}",
            e.message
        );
        // Another address, another bucket; another service, other buckets.
        limits
            .check("s", l, Caller::Address("10.0.0.2".parse().unwrap()))
            .unwrap();
        limits.check("t", l, Caller::Address(ip)).unwrap();
        // Keys are not limited by a per-address limit.
        limits.check("s", l, Caller::Key("k1")).unwrap();
    }

    #[test]
    fn slow_rates_say_how_long_to_wait() {
        let limits = RateLimits::default();
        let l = limit(Some(0.1), None);
        limits.check("s", l, Caller::Key("k")).unwrap();
        let e = limits.check("s", l, Caller::Key("k")).unwrap_err();
        assert!(
            (9..=10).contains(&e.retry_after.unwrap()),
            "{:?}",
            e.retry_after
        );
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let limits = RateLimits::default();
        let l = limit(None, Some(1.0));
        limits
            .check("s", l, Caller::Address("2001:db8:1:2::1".parse().unwrap()))
            .unwrap();
        assert!(
            limits
                .check(
                    "s",
                    l,
                    Caller::Address("2001:db8:1:2::ffff".parse().unwrap())
                )
                .is_err()
        );
        limits
            .check("s", l, Caller::Address("2001:db8:1:3::1".parse().unwrap()))
            .unwrap();
    }

    #[test]
    fn service_limits_replace_defaults_member_by_member_and_buckets_are_forgotten() {
        let server = RateLimitConfig {
            per_key_per_second: Some(100.0),
            per_address_per_second: Some(10.0),
            burst_seconds: Some(2.0),
        };
        let own = ServiceRateLimit {
            per_address_per_second: Some(1.0),
            ..Default::default()
        };
        let e = EffectiveLimit::of(Some(&own), &server);
        assert_eq!(
            (e.per_key, e.per_address, e.burst_seconds),
            (Some(100.0), Some(1.0), 2.0)
        );
        assert!(EffectiveLimit::of(None, &RateLimitConfig::default()).is_off());

        let limits = RateLimits::default();
        for i in 0..100u8 {
            let ip = IpAddr::from([10, 0, 0, i]);
            limits.check("s", e, Caller::Address(ip)).unwrap();
        }
        assert_eq!(limits.tracked(), 100);
        limits.forget_idle(|_| false);
        assert_eq!(limits.tracked(), 0);
    }
}
