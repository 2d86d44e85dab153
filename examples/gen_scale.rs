//! Seeded generators of the scale cases measured in the closing notes: a `target/criterion`
//! tree in criterion's file layout (saved baselines `base` and `new`), and a k6 `--out json`
//! point stream of a given size.
//!
//! cargo run --release --example gen_scale -- criterion DIR N
//! cargo run --release --example gen_scale -- k6 FILE MEGABYTES

use std::io::Write;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("criterion") if args.len() == 4 => {
            criterion(&args[2], args[3].parse().unwrap_or(2000))
        }
        Some("k6") if args.len() == 4 => k6(&args[2], args[3].parse().unwrap_or(1024)),
        _ => {
            eprintln!("usage: gen_scale criterion DIR N | gen_scale k6 FILE MEGABYTES");
            std::process::exit(2);
        }
    }
}

/// xorshift64*: a tiny seeded generator, so that the files are the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn estimate(v: f64, half: f64) -> String {
    format!(
        r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"point_estimate":{v},"standard_error":{}}}"#,
        v - half,
        v + half,
        half / 2.0
    )
}

fn criterion(dir: &str, n: usize) -> std::io::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..n {
        let group = format!("group{}", i % 40);
        let id = format!("{group}/bench{i}");
        let typical = 500.0 + 1000.0 * rng.next();
        for (set, scale) in [("base", 1.0), ("new", 1.0 + (rng.next() - 0.5) * 0.04)] {
            let path = std::path::Path::new(dir)
                .join(&group)
                .join(format!("bench{i}"))
                .join(set);
            std::fs::create_dir_all(&path)?;
            let t = typical * scale;
            std::fs::write(
                path.join("benchmark.json"),
                format!(
                    r#"{{"group_id":"{group}","function_id":"bench{i}","value_str":null,"throughput":{{"Bytes":1024}},"full_id":"{id}","directory_name":"{id}","title":"{id}"}}"#
                ),
            )?;
            std::fs::write(
                path.join("estimates.json"),
                format!(
                    r#"{{"mean":{},"median":{},"median_abs_dev":{},"slope":{},"std_dev":{}}}"#,
                    estimate(t * 1.01, t * 0.01),
                    estimate(t, t * 0.01),
                    estimate(t * 0.02, t * 0.005),
                    estimate(t, t * 0.01),
                    estimate(t * 0.03, t * 0.01)
                ),
            )?;
            let iters: Vec<String> = (1..=100).map(|k| format!("{}.0", k * 10)).collect();
            let times: Vec<String> = (1..=100)
                .map(|k| {
                    format!(
                        "{:.1}",
                        (k * 10) as f64 * t * (1.0 + (rng.next() - 0.5) * 0.02)
                    )
                })
                .collect();
            std::fs::write(
                path.join("sample.json"),
                format!(
                    r#"{{"sampling_mode":"Linear","iters":[{}],"times":[{}]}}"#,
                    iters.join(","),
                    times.join(",")
                ),
            )?;
        }
    }
    Ok(())
}

fn k6(file: &str, megabytes: u64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(file)?);
    writeln!(
        out,
        r#"{{"type":"Metric","data":{{"name":"http_req_duration","type":"trend","contains":"time","thresholds":["p(95)<500"],"submetrics":[{{"name":"http_req_duration{{name:slow}}","suffix":"name:slow","tags":{{"name":"slow"}}}}]}},"metric":"http_req_duration"}}"#
    )?;
    writeln!(
        out,
        r#"{{"type":"Metric","data":{{"name":"http_req_failed","type":"rate","contains":"default","thresholds":[],"submetrics":null}},"metric":"http_req_failed"}}"#
    )?;
    writeln!(
        out,
        r#"{{"type":"Metric","data":{{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null}},"metric":"http_reqs"}}"#
    )?;
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let (mut written, limit, mut i) = (0u64, megabytes * 1024 * 1024, 0u64);
    while written < limit {
        let name = if i % 3 == 0 { "slow" } else { "fast" };
        let t = format!(
            "2026-12-04T{:02}:{:02}:{:02}.{:06}Z",
            10 + (i / 3_600_000) % 12,
            (i / 60_000) % 60,
            (i / 1000) % 60,
            (i % 1000) * 1000
        );
        let v = if name == "slow" { 20.0 } else { 1.0 } + rng.next() * 5.0;
        let tags = format!(
            r#"{{"expected_response":"true","group":"::{name}","method":"GET","name":"{name}","proto":"HTTP/1.1","scenario":"mixed","status":"200","url":"http://127.0.0.1:18080/{name}"}}"#
        );
        let failed = u8::from(rng.next() < 0.01);
        let lines = format!(
            "{{\"metric\":\"http_req_duration\",\"type\":\"Point\",\"data\":{{\"time\":\"{t}\",\"value\":{v:.6},\"tags\":{tags}}}}}\n{{\"metric\":\"http_req_failed\",\"type\":\"Point\",\"data\":{{\"time\":\"{t}\",\"value\":{failed},\"tags\":{tags}}}}}\n{{\"metric\":\"http_reqs\",\"type\":\"Point\",\"data\":{{\"time\":\"{t}\",\"value\":1,\"tags\":{tags}}}}}\n"
        );
        out.write_all(lines.as_bytes())?;
        written += lines.len() as u64;
        i += 1;
    }
    out.flush()
}
