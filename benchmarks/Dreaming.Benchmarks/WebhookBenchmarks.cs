using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Dreaming;

namespace Dreaming.Benchmarks;

/// <summary>Standard Webhooks signing and verification against bare <see cref="HMACSHA256"/> over the same bytes (the baselines).</summary>
/// <remarks>Signatures per second = 1 / mean time. The body is a typical thin <c>session.completed</c> payload (about 330 bytes).</remarks>
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WebhookBenchmarks
{
    private const string Id = "msg_0193a6f2c1d87f3e9b2a4c5d6e7f8091";
    private static readonly DateTimeOffset Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_764_000_000);
    private static readonly string Body =
        "{\"type\":\"session.completed\",\"timestamp\":\"2026-11-25T19:00:00.000Z\",\"data\":{\"session_id\":\"ses_0193a6f2c1d87f3e9b2a4c5d6e7f8091\","
        + "\"agent_id\":\"support-bot\",\"status\":\"completed\",\"ended_at\":\"2026-11-25T19:00:00.0000000Z\",\"input_tokens\":1834,\"output_tokens\":412,"
        + "\"model_calls\":3,\"cost_minor_units\":0,\"outcome\":{\"label\":\"success\",\"score\":0.92,\"source\":\"rubric:support@1\"}}}";

    private readonly string _secret = WebhookSecret.Generate();
    private byte[] _key = null!;
    private WebhookSigner _signer = null!;
    private WebhookVerifier _verifier = null!;
    private string _signature = null!;
    private string _seconds = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = WebhookSecret.Decode(_secret);
        _signer = new WebhookSigner([_secret]);
        _signature = _signer.Sign(Id, Timestamp, Body);
        _seconds = Timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _verifier = new WebhookVerifier([_secret], new FixedClock(Timestamp));
    }

    [Benchmark(Baseline = true, Description = "bare HMACSHA256 + base64")]
    [BenchmarkCategory("sign")]
    public string BareSign() => "v1," + Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(Id + "." + _seconds + "." + Body)));

    [Benchmark(Description = "WebhookSigner.Sign")]
    [BenchmarkCategory("sign")]
    public string Sign() => _signer.Sign(Id, Timestamp, Body);

    [Benchmark(Baseline = true, Description = "bare HMACSHA256 + FixedTimeEquals")]
    [BenchmarkCategory("verify")]
    public bool BareVerify()
    {
        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(Id + "." + _seconds + "." + Body));
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromBase64String(_signature[3..]));
    }

    [Benchmark(Description = "WebhookVerifier.Verify (headers parsed, timestamp checked)")]
    [BenchmarkCategory("verify")]
    public bool Verify() => _verifier.Verify(Id, _seconds, _signature, Body).IsValid;

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
