using Dreaming.Core.Tests.Dreams.Mining;

namespace Dreaming.Tests;

/// <summary>A .NET exception's type name, which the miner puts before the message of a tool that threw it
/// (<c>InvalidOperationException: Order 42 has not been delivered yet</c>), counts by what the type reports, not by the
/// words its camel case splits into: .NET's state exceptions are states, its argument exceptions mistakes in the call.</summary>
public sealed class ExceptionTypeStateErrorTests
{
    // InvalidOperationException's "invalid" is no word of the call: a state its message reports is a state. It is .NET's
    // catch-all, so its message decides. ObjectDisposedException (the object is gone) and TimeoutException (the time allotted
    // ran out) are states by name: sending the same call again does not change them.
    [Theory]
    [InlineData("InvalidOperationException: Order <id> has not been delivered yet")]
    [InlineData("InvalidOperationException: the order is already cancelled")]
    [InlineData("System.InvalidOperationException: Order <num> not found.")]
    [InlineData("ObjectDisposedException: Cannot access a disposed object. Object name: <str>.")]
    [InlineData("TimeoutException: The operation has timed out.")]
    [InlineData("System.TimeoutException: The operation has timed out.")]
    public void A_state_exception_type_or_a_state_in_an_InvalidOperationExceptions_message_is_a_state(string signature) =>
        Assert.True(StateErrorWords.IsStateError(signature), signature);

    // Tools throw InvalidOperationException for a mistake in the call too, as the closed-loop simulations' refund does
    // (ManyDreamsSimulation): with no state word its message gets the argument advice, as "Error: payment amount does not
    // add up" does.
    [Theory]
    [InlineData("InvalidOperationException: payment amount does not add up, total is <num>, requested <num>")]
    [InlineData("InvalidOperationException: Sequence contains no matching element")]
    public void An_InvalidOperationException_is_read_by_its_message(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // The message's own words still count (argument words win there as anywhere), and the argument exceptions, FormatException
    // and a cast that failed stay mistakes in the call, whatever state their message reports.
    [Theory]
    [InlineData("InvalidOperationException: parameter <str> is required")]
    [InlineData("InvalidOperationException: the date <str> is invalid; the slot is already taken")]
    [InlineData("TimeoutException: the field <str> is missing")]
    [InlineData("ArgumentException: Order <id> is already cancelled")]
    [InlineData("ArgumentNullException: Value cannot be null. (Parameter <str>)")]
    [InlineData("ArgumentOutOfRangeException: the seat is not available")]
    [InlineData("FormatException: The input string <str> was not in a correct format.")]
    [InlineData("InvalidCastException: Unable to cast object of type <str> to type <str>.")]
    [InlineData("InvalidDataException: the archive is already open")]
    public void An_argument_exception_or_a_message_about_the_call_is_not_a_state(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // The type is a whole name: a word that only holds its letters is not it.
    [Theory]
    [InlineData("OrderInvalidOperationException: the order is closed")]
    [InlineData("Error: TimeoutExceptionHandler crashed")]
    public void A_name_that_only_holds_a_state_types_letters_is_not_it(string signature) =>
        Assert.False(StateErrorWords.IsStateError(signature), signature);

    // As a dream sees it: a tool that throws, under Microsoft.Extensions.AI's function invocation (the model is shown
    // "Error: Function failed."), is recorded with the exception's type and message, and its finding's signature is
    // "InvalidOperationException: ...": its lesson is the state advice, not "do not finish until the call succeeds".
    [Fact]
    public async Task A_tool_that_throws_InvalidOperationException_gets_the_state_advice()
    {
        var report = await new FindingMiner().MineAsync(MiningSessions.Stream(
        [
            .. Enumerable.Range(0, 4).Select(i => MiningSessions.Failed($"f{i}")
                .CallOnly("c0", "refund_order", """{"order_id":"42"}""")
                .Result("c0", error: "Error: Function failed.", errorType: nameof(InvalidOperationException), errorMessage: "Order 42 has not been delivered yet")
                .Build()),
            .. Enumerable.Range(0, 4).Select(i => MiningSessions.Succeeded($"s{i}").Call("refund_order").Build()),
        ]));

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.StartsWith("InvalidOperationException: ", finding.Signature, StringComparison.Ordinal);
        var lesson = TemplateLessonWriter.Write(finding, 0.5);
        Assert.Contains("The error reports a state that calling again will not change", lesson.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("until the call succeeds", lesson.Text, StringComparison.Ordinal);
    }
}
