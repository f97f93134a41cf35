using Xunit.Abstractions;

namespace Dreaming.Core.Tests.Import;

/// <summary>Opt-in: imports the real τ-bench airline trajectories from <c>../shared/data/</c> when they sit next to the repository.</summary>
public sealed class TauBenchImportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_tau_bench_airline_file_imports_with_its_published_counts()
    {
        var path = Dreaming.Tests.SharedData.TauBenchAirline();
        if (path is null)
        {
            output.WriteLine("Skipped: ../shared/data/tau-bench-airline/gpt-4o-airline.json is not next to the repository.");
            return;
        }

        var store = new RecordingTraceStore();
        var options = new SessionImportOptions { MessagesField = "traj", TaskField = "info.task.instruction" };

        var result = await new SessionImporter(store).ImportFileAsync(path, options);

        output.WriteLine($"imported {result.Imported} sessions, {result.Events} events, {result.ToolCalls} tool calls, {result.ToolErrors} tool errors, {result.UnknownBlocks} unknown blocks");
        Assert.Equal((200, 200), (result.Sessions, result.Imported));
        Assert.Equal((5398L, 1164L, 73L, 0L), (result.Events, result.ToolCalls, result.ToolErrors, result.UnknownBlocks));
        Assert.Equal(84, store.Sessions.Count(s => s.Session.Outcome?.Label == SessionOutcome.Success));
        Assert.Empty(result.Errors);
    }
}
