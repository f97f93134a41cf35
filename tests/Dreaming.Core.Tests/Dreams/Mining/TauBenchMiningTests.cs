using System.Globalization;
using Xunit.Abstractions;

namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>
/// Opt-in: mines the real τ-bench airline trajectories from <c>../shared/data/</c> when they sit next to the repository.
/// The expected numbers were computed independently, by a script that reads the JSON directly (see docs/dreaming-mining.md).
/// </summary>
public sealed class TauBenchMiningTests(ITestOutputHelper output)
{
    private const string PaymentAmount = "Error: payment amount does not add up, total price is <num>, but paid <num>";
    private const string FlightNotAvailable = "Error: flight <id> not available on date <date>";

    [Fact]
    public async Task Mining_the_tau_bench_airline_file_gives_the_hand_checked_statistics()
    {
        var path = Dreaming.Tests.SharedData.TauBenchAirline();
        if (path is null)
        {
            output.WriteLine("Skipped: ../shared/data/tau-bench-airline/gpt-4o-airline.json is not next to the repository.");
            return;
        }

        var report = await new FindingMiner().MineAsync(ReadAsync(path));
        Print(report);

        Assert.Equal((200L, 200L, 116L), (report.SessionsRead, report.SessionsMined, report.FailedSessions));
        Assert.Equal(0.58, report.BaseFailureRate, 12);

        // Kind, pattern, tool, signature, sessions, failed sessions, occurrences, wasted calls: strongest first, then the costs.
        (string, string, string?, string, int, int, long, long)[] expected =
        [
            (FindingKinds.ToolSequence, FindingKinds.ToolSequence, null, "search_direct_flight -> search_onestop_flight", 18, 17, 19, 0),
            (FindingKinds.ToolError, FindingKinds.ToolError, "book_reservation", PaymentAmount, 13, 12, 24, 24),
            (FindingKinds.ToolError, FindingKinds.ToolError, "update_reservation_flights", "Error: gift card balance is not enough", 5, 5, 11, 11),
            (FindingKinds.RepeatedFailingCall, FindingKinds.RepeatedFailingCall, "book_reservation", PaymentAmount, 4, 4, 12, 8),
            (FindingKinds.ToolError, FindingKinds.ToolError, "update_reservation_flights", "Error: not enough seats on flight <id>", 7, 5, 8, 8),
            (FindingKinds.ToolError, FindingKinds.ToolError, "update_reservation_flights", "Error: certificate cannot be used to update reservation", 4, 3, 4, 4),
            (FindingKinds.EfficiencyCost, FindingKinds.ToolError, "update_reservation_flights", FlightNotAvailable, 5, 3, 15, 15),
            (FindingKinds.EfficiencyCost, FindingKinds.RepeatedFailingCall, "update_reservation_flights", FlightNotAvailable, 3, 2, 9, 5),
            (FindingKinds.EfficiencyCost, FindingKinds.ToolError, "update_reservation_flights", "Error: payment method not found", 4, 0, 4, 4),
        ];
        Assert.Equal(expected, report.Findings.Select(f => (f.Kind, f.Pattern, f.Tool, f.Signature, f.Sessions, f.FailedSessions, f.Occurrences, f.WastedCalls)));

        var payment = report.Findings[1];
        Assert.Equal(12.0 / 13 / 0.58, payment.Lift, 12);
        Assert.Equal(0.666860490800, payment.FailureRateLowerBound, 10);
        Assert.Equal(0.00716409152615, payment.PValue, 10);
        Assert.Equal(0.000491498734591, report.Findings[0].PValue, 12);
        Assert.StartsWith("Error: payment amount does not add up, total price is ", payment.Example, StringComparison.Ordinal);

        // Imported sessions without an id get one derived from the file name and the element index.
        int[] failedWithPaymentError = [0, 50, 58, 61, 75, 100, 109, 111, 125, 150];
        Assert.Equal(failedWithPaymentError.Select(Id), payment.Evidence.Select(e => e.SessionId));
        Assert.All(payment.Evidence, e => Assert.True(e.Failed));
    }

    private static string Id(int index) => SessionElementMapper.DeterministicId("gpt-4o-airline.json", index);

    private void Print(MiningReport report)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sessions {report.SessionsMined}, failed {report.FailedSessions}, base {report.BaseFailureRate:F2}, {report.Findings.Count} findings"));
        foreach (var f in report.Findings)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{f.Kind,-22} {f.Pattern,-22} {f.Tool,-27} {f.Sessions,3} {f.FailedSessions,3} rate {f.FailureRate:F3} lift {f.Lift:F2} wilson {f.FailureRateLowerBound:F3} p {f.PValue:G3} strength {f.Strength:F3} occ {f.Occurrences} wasted {f.WastedCalls} | {f.Signature}"));
        }
    }

    private static async IAsyncEnumerable<SessionWithEvents> ReadAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        var options = new SessionImportOptions { MessagesField = "traj", TaskField = "info.task.instruction" };
        await foreach (var imported in new SessionLogReader().ReadAsync(stream, Path.GetFileName(path), options))
        {
            yield return imported.Session!;
        }
    }
}
