//! Guest components written in WAT against small WIT worlds.

/// A bump allocator and one page of memory, for the canonical ABI.
const ALLOC: &str = r#"
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $ret i32)
    (local.set $ret (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $ret) (local.get 3)))
    (local.get $ret))
"#;

pub const TYPES_WIT: &str = r#"
package test:types;
world types {
  record point { x: s32, y: s32 }
  enum color { red, green }
  variant shape { circle(f64), dot }
  export simple-sum: func(param1: s64, param2: s64) -> s64;
  export count: func(items: list<s32>, at: option<point>, tint: color, form: shape, flag: bool) -> u32;
  export mirror: func(p: point) -> point;
  export maybe: func(x: u8) -> option<u8>;
  export halve: func(x: f64) -> result<f64, string>;
  export say: func(first-name: string) -> string;
}
"#;

pub fn types_wat() -> String {
    format!(
        r#"(module {ALLOC}
  (func (export "simple-sum") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  ;; len(items) + x (when `at` is some) + 100*tint + 1000*form + 10000*flag
  (func (export "count") (param i32 i32 i32 i32 i32 i32 i32 f64 i32) (result i32)
    (i32.add (local.get 1)
      (i32.add (select (local.get 3) (i32.const 0) (local.get 2))
        (i32.add (i32.mul (local.get 5) (i32.const 100))
          (i32.add (i32.mul (local.get 6) (i32.const 1000))
                   (i32.mul (local.get 8) (i32.const 10000)))))))
  (func (export "mirror") (param i32 i32) (result i32)
    (i32.store (i32.const 32) (local.get 1))
    (i32.store (i32.const 36) (local.get 0))
    (i32.const 32))
  (func (export "maybe") (param i32) (result i32)
    (i32.store8 (i32.const 48) (i32.ne (local.get 0) (i32.const 0)))
    (i32.store8 (i32.const 49) (local.get 0))
    (i32.const 48))
  (func (export "halve") (param f64) (result i32)
    (if (f64.lt (local.get 0) (f64.const 0))
      (then
        (i32.store8 (i32.const 64) (i32.const 1))
        (i32.store (i32.const 72) (i32.const 200))
        (i32.store (i32.const 76) (i32.const 8)))
      (else
        (i32.store8 (i32.const 64) (i32.const 0))
        (f64.store (i32.const 72) (f64.div (local.get 0) (f64.const 2)))))
    (i32.const 64))
  ;; answers its argument
  (func (export "say") (param i32 i32) (result i32)
    (i32.store (i32.const 96) (local.get 0))
    (i32.store (i32.const 100) (local.get 1))
    (i32.const 96))
  (data (i32.const 200) "negative")
)"#
    )
}

pub const FAULTS_WIT: &str = r#"
package test:faults;
world faults {
  export spin: func() -> u32;
  export crash: func() -> u32;
  export hog: func() -> u32;
  export fine: func(x: u32) -> u32;
}
"#;

pub fn faults_wat() -> String {
    format!(
        r#"(module {ALLOC}
  (func (export "spin") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))
  (func (export "crash") (result i32)
    unreachable)
  ;; grows memory 1 MiB at a time; traps when a growth is refused
  (func (export "hog") (result i32)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    unreachable)
  (func (export "fine") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
)"#
    )
}

pub const JSON_WIT: &str = r#"
package test:json;
world json {
  export run-json: func(input: string) -> result<string, string>;
}
"#;

/// Echoes its input; answers `err("empty input")` for `{}`.
pub fn json_wat() -> String {
    format!(
        r#"(module {ALLOC}
  (func (export "run-json") (param i32 i32) (result i32)
    (if (i32.eq (local.get 1) (i32.const 2))
      (then
        (i32.store8 (i32.const 64) (i32.const 1))
        (i32.store (i32.const 68) (i32.const 200))
        (i32.store (i32.const 72) (i32.const 11)))
      (else
        (i32.store8 (i32.const 64) (i32.const 0))
        (i32.store (i32.const 68) (local.get 0))
        (i32.store (i32.const 72) (local.get 1))))
    (i32.const 64))
  (data (i32.const 200) "empty input")
)"#
    )
}

pub const LOG_WIT: &str = r#"
package test:logs;
world logs {
  import plinth:host/log@0.1.0;
  export hello: func() -> u32;
}
"#;

pub fn log_wat() -> String {
    format!(
        r#"(module
  (import "plinth:host/log@0.1.0" "log" (func $log (param i32 i32 i32)))
  {ALLOC}
  (func (export "hello") (result i32)
    (call $log (i32.const 1) (i32.const 200) (i32.const 5))
    (i32.const 7))
  (data (i32.const 200) "hello")
)"#
    )
}

pub const LOOKUP_WIT: &str = r#"
package test:lookups;
world lookups {
  import plinth:host/lookup@0.1.0;
  export fetch: func(endpoint: string, keys: string) -> result<string, string>;
}
"#;

/// Passes its arguments to `lookup` and answers what the host answered.
pub fn lookup_wat() -> String {
    format!(
        r#"(module
  (import "plinth:host/lookup@0.1.0" "lookup" (func $lookup (param i32 i32 i32 i32 i32)))
  {ALLOC}
  (func (export "fetch") (param i32 i32 i32 i32) (result i32)
    (call $lookup (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 300))
    (i32.const 300))
)"#
    )
}
