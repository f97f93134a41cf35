namespace Dreaming.Tests.Fuzz;

public sealed class RubricParserFuzzTests : IDisposable
{
    private const string Seed = """
        # Support reply

        Pass threshold: 0.75
        Aggregation: minimum
        Id: support
        Version: 2

        The reply a support agent sends,
        over two lines.

        ## Content
        - Names the refund policy (weight: 2) (required)
        - Says the amount [regex: \$\d+\.\d{2}]
        - Mentions the order [contains: "order \"#\" [id]"] (id: order-ref)
          * Is short [max-length: 400]
        + Has no braces [not-contains: "{"]

        ## Format
        - Valid [json]
        - Matches [json-schema: schema.json]
        - Exact [equals-i: "ok\\"] (weight: 0.5)
        - Long enough [min-length: 3]
        ```
        - not a bullet
        ```
        ---
        ### Notes are ignored
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("rubric-fuzz-").FullName;

    public RubricParserFuzzTests() =>
        File.WriteAllText(Path.Combine(_directory, "schema.json"), """{"type":"object","properties":{"a":{"type":"string"}}}""");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_seed_parses() => Assert.Equal(9, MarkdownRubricParser.Parse(Seed, "support.md", _directory).Criteria.Count);

    [Fact]
    public async Task Mutated_rubrics_parse_or_throw_a_RubricException()
    {
        string[] seeds =
        [
            Seed, "# T\n- a [regex: [A-Z]{3}]\n", "# T\n## S\n- b [contains: \"x\"] (weight: 3)\n",
            "# T\nVersion: 99999999999\nPass threshold: NaN\n- a (weight: 1e400) (id: x)\n- b (weight: NaN) [max-length: 99999999999]\n",
            "# T\nPass threshold: 1e-400\nAggregation: weighted mean\n- a (weight: -0) [regex: (a+)+$]\n- b (id: x) [equals: \"\\\\\"]\n",
        ];
        var cases = InputMutator.Truncations(seeds[1]).Concat(InputMutator.Truncations(seeds[2])).Concat(new InputMutator(FuzzRunner.Setting("FUZZ_SEED", "20261126")).Mutants(seeds, FuzzRunner.Setting("FUZZ_COUNT", "3000")));
        var failures = new List<string>();
        var count = await Task.Run(() => FuzzRunner.Run(cases, text => MarkdownRubricParser.Parse(text, "fuzz.md", _directory), ex => ex is RubricException, failures))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(count > 3000);
    }
}
