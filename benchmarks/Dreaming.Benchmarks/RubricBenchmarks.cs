using System.Text.Json;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Dreaming;

namespace Dreaming.Benchmarks;

/// <summary>Deterministic rubric evaluation against the same five checks written directly (the baseline), and
/// Markdown rubric parsing.</summary>
/// <remarks>Criteria per second = 5 / mean time of <see cref="Evaluate"/>.</remarks>
[MemoryDiagnoser]
public partial class RubricBenchmarks
{
    private const string Markdown = """
        # Refund summary
        Pass threshold: 0.75

        ## Content
        - Mentions the order number (required) [contains: "#W123"]
        - States the refund amount [regex: \$\d+\.\d{2}]
        - Does not blame the customer [not-contains: "your fault"]

        ## Format
        - Is valid JSON [json]
        - At most 600 characters [max-length: 600]
        """;

    private const string Artifact = """{"order":"#W123","summary":"We refunded $12.50 for order #W123. Sorry for the trouble.","status":"refunded"}""";

    private Rubric _rubric = null!;
    private RubricEvaluator _evaluator = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rubric = MarkdownRubricParser.Parse(Markdown, "refund.md");
        _evaluator = new RubricEvaluator();
    }

    [Benchmark(Baseline = true, Description = "the five checks written directly")]
    public bool Direct()
    {
        var contains = Artifact.Contains("#W123", StringComparison.Ordinal);
        var amount = Amount().IsMatch(Artifact);
        var polite = !Artifact.Contains("your fault", StringComparison.Ordinal);
        bool json;
        try
        {
            using var document = JsonDocument.Parse(Artifact);
            json = true;
        }
        catch (JsonException)
        {
            json = false;
        }

        var length = Artifact.Length <= 600;
        return contains && amount && polite && json && length;
    }

    [Benchmark(Description = "RubricEvaluator, 5 deterministic criteria")]
    public async Task<bool> Evaluate() => (await _evaluator.EvaluateAsync(_rubric, Artifact).ConfigureAwait(false)).Passed;

    [Benchmark(Description = "MarkdownRubricParser.Parse")]
    public Rubric Parse() => MarkdownRubricParser.Parse(Markdown, "refund.md");

    [GeneratedRegex(@"\$\d+\.\d{2}")]
    private static partial Regex Amount();
}
