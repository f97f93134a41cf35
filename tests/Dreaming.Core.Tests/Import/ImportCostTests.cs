using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

/// <summary>The importer a host resolves prices the saved responses' usage with <see cref="DreamingOptions.CostOf"/>, as
/// UseDreaming() prices the calls it records.</summary>
public sealed class ImportCostTests
{
    private const string Log = """
        [
          { "id": "claude", "agent": "billing", "messages": [ { "role": "user", "content": "Refund 42." } ],
            "response": { "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929", "content": [ { "type": "text", "text": "Done." } ],
              "stop_reason": "end_turn", "usage": { "input_tokens": 100, "output_tokens": 10, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200 } } },
          { "id": "gpt", "agent": "billing", "messages": [ { "role": "user", "content": "Refund 43." } ],
            "response": { "id": "chatcmpl-1", "model": "gpt-4o", "choices": [ { "message": { "role": "assistant", "content": "Done." }, "finish_reason": "stop" } ],
              "usage": { "prompt_tokens": 50, "completion_tokens": 5, "prompt_tokens_details": { "cached_tokens": 20 }, "completion_tokens_details": { "reasoning_tokens": 3 } } } },
          { "id": "plain", "messages": [ { "role": "user", "content": "hi" } ] }
        ]
        """;

    [Fact]
    public async Task The_importer_a_host_resolves_prices_each_saved_response_with_CostOf()
    {
        var calls = new List<ModelCallUsage>();
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.CostOf = call =>
        {
            calls.Add(call);
            return call.InputTokens + (10 * call.OutputTokens);
        });
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<SessionImporter>().ImportAsync(Utf8(Log), "log.json");

        var store = provider.GetRequiredService<ITraceStore>();
        var claude = (await store.GetSessionAsync("claude"))!;
        var gpt = (await store.GetSessionAsync("gpt"))!;
        Assert.Equal((1400L, 100L, 0L), (claude.Usage.CostMinorUnits, gpt.Usage.CostMinorUnits, (await store.GetSessionAsync("plain"))!.Usage.CostMinorUnits));
        Assert.Equal(1400L, (await store.GetEventsAsync("claude")).OfType<ModelResponseEvent>().Single().Usage.CostMinorUnits);
        Assert.Equal(
            [
                new ModelCallUsage("billing", "anthropic", "claude-sonnet-4-5-20250929", 1300, 10, 1000) { CacheWriteInputTokens = 200 },
                new ModelCallUsage("billing", "openai", "gpt-4o", 50, 5, 20) { ReasoningOutputTokens = 3 },
            ],
            calls);
    }

    [Fact]
    public async Task A_CostOf_that_throws_or_prices_below_zero_leaves_the_cost_0_and_the_import_goes_on()
    {
        var throwingStore = new RecordingTraceStore();
        var negativeStore = new RecordingTraceStore();
        var throws = new SessionImporter(throwingStore, costOf: _ => throw new InvalidOperationException("no price"));
        var negative = new SessionImporter(negativeStore, costOf: _ => -5);

        var first = await throws.ImportAsync(Utf8(Log), "log.json");
        var second = await negative.ImportAsync(Utf8(Log), "log.json");

        Assert.Equal((3, 3), (first.Imported, second.Imported));
        Assert.All(throwingStore.ImportCalls.Single(), s => Assert.Equal(0, s.Session.Usage.CostMinorUnits));
        Assert.All(negativeStore.ImportCalls.Single(), s => Assert.Equal(0, s.Session.Usage.CostMinorUnits));
        Assert.Contains(negativeStore.ImportCalls.Single(), s => s.Session.Usage.InputTokens > 0);
    }

    [Fact]
    public async Task A_CostOf_that_fails_is_logged_once_per_kind_of_failure_naming_the_call()
    {
        // It gave 0 silently: a host whose price table missed a model imported a history of cost 0 and never knew why.
        var logger = new FakeLogger<SessionImporter>();
        var importer = new SessionImporter(new RecordingTraceStore(), costOf: call => call.ModelId == "gpt-4o" ? -5 : throw new KeyNotFoundException("no price for " + call.ModelId), logger: logger);

        var result = await importer.ImportAsync(Utf8(Log), "log.json");
        await importer.ImportAsync(Utf8(Log), "again.json");

        Assert.Equal(3, result.Imported);
        // Each import says so once per kind of failure: the second one is a file of its own.
        var records = logger.Collector.GetSnapshot();
        Assert.Equal(4, records.Count);
        Assert.All(records, r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.IsType<KeyNotFoundException>(records[0].Exception);
        Assert.Contains("model claude-sonnet-4-5-20250929 by agent billing in session claude of log.json", records[0].Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(records[1].Exception);
        Assert.Contains("returned -5", records[1].Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("of again.json", records[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_importer_a_host_resolves_logs_a_failing_CostOf_to_the_hosts_logging()
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddDreamingAgents(o => o.CostOf = _ => throw new InvalidOperationException("no price"));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<SessionImporter>().ImportAsync(Utf8(Log), "log.json");

        var record = Assert.Single(provider.GetFakeLogCollector().GetSnapshot(), r => r.Category == typeof(SessionImporter).FullName);
        Assert.Equal(LogLevel.Warning, record.Level);
    }

    [Fact]
    public async Task Without_CostOf_the_cost_is_0()
    {
        var store = new RecordingTraceStore();

        await new SessionImporter(store).ImportAsync(Utf8(Log), "log.json");

        Assert.All(store.ImportCalls.Single(), s => Assert.Equal(0, s.Session.Usage.CostMinorUnits));
    }
}
