namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>Second reading of <c>SessionValues</c>: a value is the session's wherever the session holds it, and an
/// error's kind stays in its signature.</summary>
public sealed class SessionValuesReviewTests
{
    [Fact]
    public async Task A_value_the_session_supplies_after_the_error_is_masked_too()
    {
        List<MiningSessions> sessions =
        [
            // The customer says the name before the error.
            MiningSessions.Failed("f1").UserMessage("Hello, this is Mia Li.")
                .Call("charge_card", """{"card_last4":"4421"}""", "Error: card declined for Mia Li"),

            // The error comes first; the customer's name only later, in a tool's result or a message.
            MiningSessions.Failed("f2").Call("charge_card", """{"card_last4":"7715"}""", "Error: card declined for Omar Haddad")
                .CallWithResult("get_user", "{}", """{"name":"Omar Haddad"}"""),
            MiningSessions.Failed("f3").Call("charge_card", """{"card_last4":"1200"}""", "Error: card declined for Chen Wei")
                .UserMessage("Sorry, I am Chen Wei."),
            MiningSessions.Succeeded("s1").Call("charge_card", """{"card_last4":"1"}"""),
        ];

        var report = await MiningSessions.MineAsync(sessions);

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.Equal(("Error: card declined for <value>", 3), (finding.Signature, finding.Sessions));
    }

    [Theory]
    [InlineData("TypeError: total is not a function")]
    [InlineData("KeyError: missing key")]
    [InlineData("System.InvalidOperationException: Sequence contains no elements")]
    [InlineData("ModuleNotFoundError: No module named <str>")]
    public async Task An_error_kind_a_successful_result_also_quotes_is_kept(string expected)
    {
        // A coding agent read a file or a log (a successful result) that names the same error kinds.
        const string file = "try:\n    run()\nexcept (TypeError, KeyError, ModuleNotFoundError) as e:\n    log(e)  # see InvalidOperationException in the .NET client";
        var error = expected.Replace("<str>", "'numpy'", StringComparison.Ordinal);
        var sessions = Enumerable.Range(0, 3)
            .Select(i => MiningSessions.Failed("f" + i).CallWithResult("read_file", """{"path":"app.py"}""", file).Call("run_tests", "{}", error))
            .Append(MiningSessions.Succeeded("s"));

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal(expected, Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError && f.Tool == "run_tests").Signature);
    }
}
