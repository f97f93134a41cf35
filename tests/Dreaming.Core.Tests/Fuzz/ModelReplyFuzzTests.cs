namespace Dreaming.Tests.Fuzz;

public sealed class ModelReplyFuzzTests
{
    private static readonly RubricCriterion[] Criteria =
    [
        new() { Id = "content-1", Text = "a" },
        new() { Id = "content-2", Text = "b" },
    ];

    [Fact]
    public async Task Mutated_grader_replies_are_read_without_throwing()
    {
        string[] seeds =
        [
            """Sure. ```json {"criteria":[{"id":"content-1","verdict":"met","reason":"ok"},{"id":"content-2","verdict":"not_met","reason":"no"}]} ``` Done.""",
            """{"criteria":[{"criterion_id":"CONTENT-1","verdict":"partially met"},{"id":"other","verdict":"met"},{"id":"content-1","verdict":"met"},],/*c*/}""",
        ];
        var cases = InputMutator.Truncations(seeds[1]).Concat(new InputMutator(FuzzRunner.Setting("FUZZ_SEED", "11")).Mutants(seeds, FuzzRunner.Setting("FUZZ_COUNT", "4000")));
        var failures = new List<string>();
        var count = await Task.Run(() => FuzzRunner.Run(
                cases,
                text =>
                {
                    var reply = GraderReply.Read(text, Criteria);
                    _ = reply.Problems(Criteria, reply.Verdicts);
                },
                _ => false,
                failures))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(count > 4000);
    }

    [Fact]
    public async Task Mutated_reflector_replies_are_read_without_throwing()
    {
        string[] seeds =
        [
            """Here: {"lessons":[{"finding":0,"kind":"pitfall","text":"Check the order first.","evidence":["s1","s2"]},{"pair":1,"text":"Ask."}]}""",
        ];
        // The reader of the reflector's replies (private: the reflector turns any exception into "the reflector failed",
        // which loses the whole reply, so the reader itself must not throw).
        var items = typeof(ModelReflector).GetMethod("Items", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            ?? throw new InvalidOperationException("ModelReflector.Items(string, string) is gone: point this test at the reply reader.");
        var cases = InputMutator.Truncations(seeds[0]).Concat(new InputMutator(FuzzRunner.Setting("FUZZ_SEED", "13")).Mutants(seeds, FuzzRunner.Setting("FUZZ_COUNT", "4000")));
        var failures = new List<string>();
        var count = await Task.Run(() => FuzzRunner.Run(
                cases,
                text =>
                {
                    try
                    {
                        items.Invoke(null, [text, "finding"]);
                    }
                    catch (System.Reflection.TargetInvocationException ex)
                    {
                        throw ex.InnerException!;
                    }
                },
                _ => false,
                failures))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(count > 4000);
    }
}
