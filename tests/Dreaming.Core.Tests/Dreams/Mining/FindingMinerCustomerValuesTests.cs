namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>An error or a stuck reason that quotes a value of the session's own customer — a name, a street, a code, a
/// whole free-text value — is signed with <c>&lt;value&gt;</c> in its place, so the lesson carries no customer's data and
/// the same error of different customers is one pattern; the error's own words are kept.</summary>
public sealed class FindingMinerCustomerValuesTests
{
    [Fact]
    public async Task Names_from_a_call_a_tool_result_or_the_users_message_are_masked_and_join_one_pattern()
    {
        List<MiningSessions> sessions =
        [
            // The name was sent to another call.
            MiningSessions.Failed("f1").Call("find_user", """{"first_name":"Mia","last_name":"Li"}""")
                .Call("charge_card", """{"card_last4":"4421"}""", "Error: card ending in 4421 declined for Mia Li"),

            // The name came back in a tool's result.
            MiningSessions.Failed("f2").CallWithResult("get_user", """{"user_id":"u2"}""", """{"name":{"first":"Omar","last":"Haddad"}}""")
                .Call("charge_card", """{"card_last4":"7715"}""", "Error: card ending in 7715 declined for Omar Haddad"),

            // The customer said it.
            MiningSessions.Failed("f3").UserMessage("Hello, this is Chen Wei, my card keeps failing.")
                .Call("charge_card", """{"card_last4":"1200"}""", "Error: card ending in 1200 declined for Chen Wei"),
            MiningSessions.Succeeded("s1").Call("charge_card", """{"card_last4":"1"}"""),
        ];

        var report = await MiningSessions.MineAsync(sessions);

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.Equal(("charge_card", "Error: card ending in <num> declined for <value>", 3), (finding.Tool, finding.Signature, finding.Sessions));
    }

    [Fact]
    public async Task A_whole_free_text_value_and_a_code_from_another_call_are_masked_in_errors_and_stuck_reasons()
    {
        var sessions = new List<MiningSessions>();
        foreach (var (complaint, reference, name) in new[] { ("bag lost on the flight to Lisbon", "HXQDBJ", "Ana Silva"), ("courier left my parcel in the rain", "QWERTY", "Raj Patel"), ("charged twice for the same lamp", "ZZTOPX", "Tom Ode") })
        {
            var first = name.Split(' ')[0];
            sessions.Add(MiningSessions.Failed("f-" + reference)
                .CallWithResult("get_user", "{}", $$"""{"name":"{{name}}","reservations":["{{reference}}"]}""")
                .Call("file_complaint", $$"""{"text":"{{complaint}}"}""", $"Error: complaint rejected as a duplicate: {complaint}")
                .Call("transfer_to_human", """{"summary":"refund"}""", $"Error: cannot transfer: {first} has an open reservation {reference}")
                .Note($"{OutcomeRunner.BlockedNotePrefix} (iteration 1): {name} asks for a refund of a ticket that cannot be refunded"));
        }

        sessions.Add(MiningSessions.Succeeded("s"));
        var report = await MiningSessions.MineAsync(sessions);

        string[] expected =
        [
            "Error: complaint rejected as a duplicate: <value>",
            "Error: cannot transfer: <value> has an open reservation <value>",
            "blocked: <value> asks for a refund of a ticket that cannot be refunded",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), report.Findings.Where(f => f.Pattern is FindingKinds.ToolError or FindingKinds.AgentStuck).Select(f => f.Signature).Order(StringComparer.Ordinal));
        Assert.All(report.Findings.Where(f => f.Pattern is FindingKinds.ToolError or FindingKinds.AgentStuck), f => Assert.Equal(3, f.Sessions));
    }

    [Theory]
    [InlineData("Payment failed again, no idea why.", "{}", "Payment method <id> has insufficient balance")] // a sentence's first word in a message is no name
    [InlineData("hi", """{"Email":"","Name":""}""", "The Email field is required.")] // a property name is no value
    [InlineData("hi", """{"flight":"HAT","status":"Error"}""", "Error: flight HAT full")] // short capitals and error words stay
    [InlineData("The total price is what I was told by the agent", """{"note":"the total price is wrong"}""", "Error: total price is <num>")] // words of a message, or part of a value, are not its free text
    public async Task The_errors_own_words_are_kept(string userMessage, string otherArguments, string expected)
    {
        var error = expected.Replace("<id>", "credit_card_4421", StringComparison.Ordinal).Replace("<num>", "12", StringComparison.Ordinal);
        var sessions = Enumerable.Range(0, 3)
            .Select(i => MiningSessions.Failed("f" + i).UserMessage(userMessage).Call("other", otherArguments).Call("pay", "{}", error))
            .Append(MiningSessions.Succeeded("s"));

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal(expected, Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError && f.Tool == "pay").Signature);
    }
}
