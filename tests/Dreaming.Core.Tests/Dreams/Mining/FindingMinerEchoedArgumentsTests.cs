namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>An error that echoes a value its call sent is the same error whatever the value: a booking reference of
/// letters only is masked like one with digits, while an error that echoes nothing keeps its words.</summary>
public sealed class FindingMinerEchoedArgumentsTests
{
    [Fact]
    public async Task A_letters_only_reference_the_call_sent_is_an_id_in_the_error_signature()
    {
        // τ-bench booking references: HXDUBJ and QWERTY have no digit (about 13% of them), 4OG6T3 has three.
        var sessions = new List<MiningSessions>();
        foreach (var reference in new[] { "HXDUBJ", "4OG6T3", "QWERTY" })
        {
            sessions.Add(MiningSessions.Failed($"f-{reference}").Call("get_reservation_details", $$"""{"reservation_id": "{{reference}}"}""", $"Error: reservation {reference} not found"));
            sessions.Add(MiningSessions.Succeeded($"s-{reference}").Call("get_user_details", """{"user_id":"mia_li_3668"}"""));
        }

        var report = await MiningSessions.MineAsync(sessions);

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.Equal(("get_reservation_details", "Error: reservation <id> not found", 3L), (finding.Tool, finding.Signature, finding.Sessions));
    }

    [Theory]
    [InlineData("Error: reservation HXDUBJ not found", """{"reservation_id":"HXDUBJ"}""", "Error: reservation <id> not found")]
    [InlineData("Error: cabin upgrade from HXDUBJ to QWERTY refused", """{"ids":["HXDUBJ",{"to":"QWERTY"}]}""", "Error: cabin upgrade from <id> to <id> refused")]
    [InlineData("Error: reservation HXDUBJ not found", """{"reservation_id":"\u0048XDUBJ"}""", "Error: reservation <id> not found")]
    [InlineData("Error: reservation HXDUBJ not found", """{"note":"HXDUBJ is mine","reservation_id":"ABCDEF"}""", "Error: reservation HXDUBJ not found")]
    [InlineData("Error: reservation HXDUBJ not found", """{"reservation_id":"HXDUBJX"}""", "Error: reservation HXDUBJ not found")]
    [InlineData("Error: reservation HXDUBJ not found", """{"reservation_id":"hxdubj"}""", "Error: reservation HXDUBJ not found")]
    [InlineData("Error: cabin economy not available", """{"cabin":"economy"}""", "Error: cabin economy not available")]
    [InlineData("Error: user not found", """{"user_id":"user"}""", "Error: user not found")]
    [InlineData("Error: flight HAT not found", """{"flight":"HAT"}""", "Error: flight HAT not found")]
    [InlineData("Error: ENOENT while reading", """{"code": 1}""", "Error: ENOENT while reading")]
    [InlineData("Error: reservation HXDUBJ not found", """HXDUBJ""", "Error: reservation HXDUBJ not found")]
    [InlineData("Error: reservation HXDUBJ not found", """{"reservation_id":"HXDUBJ" """, "Error: reservation HXDUBJ not found")]
    [InlineData("Error: reservation HXDUBJ not found", null, "Error: reservation HXDUBJ not found")]
    public void Only_a_code_like_value_of_the_call_itself_is_masked(string error, string? arguments, string expected)
    {
        Assert.Equal(expected, ErrorSignature.MaskEchoedArguments(ErrorSignature.Normalize(error), arguments));
    }
}
