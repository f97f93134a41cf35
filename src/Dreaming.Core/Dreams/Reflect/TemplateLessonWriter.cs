using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Dreaming;

/// <summary>Writes lessons from findings without a model, so dreaming works offline.</summary>
/// <remarks>
/// Each lesson states what happened and how often, with the numbers the finding carries, and what to do instead. Only
/// findings tied to failure become correctness lessons (pitfalls); an <c>efficiency_cost</c> finding becomes an
/// efficiency tip, worded as such: one about the same failing call sent again unchanged (its pattern
/// <c>repeated_failing_call</c>) says not to resend it, unlike one about the error itself. A finding about arguments the model sent that were not valid JSON (signature
/// <c>arguments not valid JSON</c>) says so and tells the agent to send one valid JSON object, not that the tool fails
/// with or returns it. One about calls a person refused to approve (signature <c>refused by a person</c>) tells the agent
/// to ask the user to confirm first and not to send a refused call again. One about a rubric criterion the rubric requires
/// (<see cref="Finding.RequiredCriterion"/>) says so. One about a rubric criterion, in either framing, ends by quoting the
/// finding's <see cref="Finding.Example"/>, a failing verdict's reason, so that the agent learns what was wrong and not only
/// which criterion: on one line, with the secrets <see cref="SecretPatternRedactor"/> finds redacted, cut at 160 characters
/// (a dream quotes it with the values of the sessions it read masked). An efficiency tip about a rubric criterion or a length limit is about
/// the criterion or the limit, not about a tool's calls. A pitfall about a tool error tells the agent to check the arguments
/// and not to finish until the call succeeds, unless the error reports a state that calling again will not change (words such
/// as "already", "not found", "does not exist", "not enough", "not available", "cannot be used", "not allowed", or their short
/// forms ("can't be used", "isn't available"), in a signature
/// that does not name the call's arguments, parameters, properties or fields, nor say "invalid", "missing" or "required";
/// whole words, never letters inside another word, with words glued by an underscore, in camel case or to a number read
/// apart, an apostrophe written twice inside a word (as a SQL string literal echoes "doesn''t") read as one, and "not found"
/// that judges what a thing is, as in "not found to be slow" or "not found to be outdated", no state, while "not found to be
/// in the database" is one; a quoted key or value that is the whole subject of "is not allowed", as validators write it, is a
/// mistake in the call): then it says
/// to check for that state first and, when the call fails so, neither to send it again nor to say it was done, but to change
/// what the error names or tell the user why it cannot be done. The type name of an exception a tool threw, which begins the
/// signature, is read whole: <see cref="ObjectDisposedException"/> and <see cref="TimeoutException"/> are such states, and
/// <see cref="InvalidOperationException"/> is read by its message (its "invalid" no word of the call). Thread-safe.
/// </remarks>
public static class TemplateLessonWriter
{
    /// <summary>Writes one lesson per finding, in the findings' order.</summary>
    /// <param name="findings">The findings, strongest first.</param>
    /// <param name="baseFailureRate">The failure rate of all sessions mined, quoted for comparison.</param>
    /// <returns>The candidates.</returns>
    public static IReadOnlyList<LessonCandidate> Write(IEnumerable<Finding> findings, double baseFailureRate)
    {
        ArgumentNullException.ThrowIfNull(findings);
        return findings.Select(f => Write(f, baseFailureRate)).ToList();
    }

    /// <summary>Writes the lesson of one finding.</summary>
    /// <param name="finding">The finding.</param>
    /// <param name="baseFailureRate">The failure rate of all sessions mined.</param>
    /// <returns>The candidate.</returns>
    public static LessonCandidate Write(Finding finding, double baseFailureRate)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var odds = string.Create(
            CultureInfo.InvariantCulture,
            $"{finding.FailedSessions} of the {finding.Sessions} sessions where it happened failed ({Percent(finding.FailureRate)}%, against {Percent(baseFailureRate)}% overall)");
        var tool = finding.Tool is null ? "the tool" : $"`{finding.Tool}`";
        var (kind, text, efficiency) = finding.Kind switch
        {
            _ when IsUnreadArguments(finding) => UnreadArguments(finding, tool, odds),
            _ when IsRefused(finding) => Refused(finding, tool, odds),
            FindingKinds.ToolError when StateErrorWords.IsStateError(finding.Signature) => (InsightKind.Pitfall, $"Calls to {tool} fail with \"{finding.Signature}\"; {odds}. The error reports a state that calling again will not change: check for it before calling {tool}, and when the call fails so, do not send it again or say it was done; change what the error names, or tell the user why it cannot be done.", false),
            FindingKinds.ToolError => (InsightKind.Pitfall, $"Calls to {tool} fail with \"{finding.Signature}\"; {odds}. Check the arguments against what the error requires before calling {tool}, and do not finish until the call succeeds.", false),
            FindingKinds.RepeatedFailingCall => (InsightKind.Pitfall, $"When {tool} fails with \"{finding.Signature}\", do not repeat the same call unchanged: {odds}. Change the arguments, or explain the problem to the user.", false),
            FindingKinds.ToolSequence => (InsightKind.Pitfall, $"The sequence {finding.Signature} went with failure: {odds}. Before taking the second step, check that the first one gave you what the task needs.", false),
            FindingKinds.RubricCriterion when finding.RequiredCriterion => (InsightKind.Lesson, $"Graders often find \"{finding.Signature}\" not met, and {RequiredClause}: {odds}. Check it before you finish.{LessonReasonQuote.GradersReason(finding)}", false),
            FindingKinds.RubricCriterion => (InsightKind.Lesson, $"Graders often find \"{finding.Signature}\" not met: {odds}. Check it before you finish.{LessonReasonQuote.GradersReason(finding)}", false),
            FindingKinds.LimitHit => (InsightKind.Lesson, $"Sessions ran out of room ({finding.Signature}): {odds}. Plan the steps first and finish in fewer of them.", false),
            FindingKinds.AgentStuck => (InsightKind.Pitfall, $"Sessions stopped at the same point (\"{finding.Signature}\"): {odds}. Check for it at the start, before spending steps on the task; look in the task and the tools for what is missing before asking, and when it cannot be resolved, say so at once.", false),
            FindingKinds.EfficiencyCost when finding.Pattern == FindingKinds.AgentStuck => (InsightKind.Workflow, string.Create(CultureInfo.InvariantCulture, $"To save steps: the agent often stopped at \"{finding.Signature}\" ({finding.Occurrences} times in {finding.Sessions} sessions), even in sessions that went on to succeed. Look in the task and the tools for what it needs before asking."), true),
            FindingKinds.EfficiencyCost when finding.Pattern == FindingKinds.RubricCriterion => (InsightKind.Workflow, string.Create(CultureInfo.InvariantCulture, $"To save steps: graders often find \"{finding.Signature}\" not met ({finding.WastedCalls} times in {finding.Sessions} sessions), even in sessions that go on to succeed, and each time the work goes back for another revision{(finding.RequiredCriterion ? "; " + RequiredClause : string.Empty)}. Check it before you finish.{LessonReasonQuote.GradersReason(finding)}"), true),
            FindingKinds.EfficiencyCost when finding.Pattern == FindingKinds.LimitHit => (InsightKind.Workflow, string.Create(CultureInfo.InvariantCulture, $"To save steps: responses often stopped at their length limit (\"{finding.Signature}\", {finding.WastedCalls} times in {finding.Sessions} sessions), even in sessions that go on to succeed. Keep each reply and each call's arguments short, and plan the steps first."), true),
            FindingKinds.EfficiencyCost when finding.Pattern == FindingKinds.RepeatedFailingCall => (InsightKind.Workflow, string.Create(CultureInfo.InvariantCulture, $"To save steps: when {tool} returns \"{finding.Signature}\", do not send the same call again unchanged ({finding.WastedCalls} repeated calls in {finding.Sessions} sessions), even in sessions that succeed. Change the arguments, or tell the user what stands in the way."), true),
            FindingKinds.EfficiencyCost => (InsightKind.Workflow, string.Create(CultureInfo.InvariantCulture, $"To save steps: {tool} often returns \"{finding.Signature}\" ({finding.WastedCalls} wasted calls in {finding.Sessions} sessions), even in sessions that succeed. It is not a reason to stop, but avoid the calls that trigger it."), true),
            _ => (InsightKind.Lesson, $"Watch for \"{finding.Signature}\": {odds}.", false),
        };

        return new LessonCandidate
        {
            Kind = kind,
            Text = text,
            Triggers = TriggersOf(finding),
            Evidence = finding.Evidence
                .Select(e => new InsightEvidence(e.SessionId, e.EventSequences.Count > 0 ? e.EventSequences[0] : null))
                .ToList(),
            Finding = finding,
            IsEfficiencyTip = efficiency,
        };
    }

    /// <summary>Writes one lesson per finding, as <see cref="Write(IEnumerable{Finding}, double)"/>, for a dream: a rubric
    /// criterion's reason is quoted with every value of the sessions the dream read masked (<see cref="SessionValues.MaskText"/>);
    /// each lesson keeps its finding as mined.</summary>
    internal static IReadOnlyList<LessonCandidate> ForDream(IReadOnlyList<Finding> findings, double baseFailureRate, IReadOnlyDictionary<string, SessionWithEvents> sessions)
    {
        SessionValues? values = null;
        return [.. findings.Select(f => ForDream(f, baseFailureRate, sessions, ref values))];
    }

    /// <summary>Writes the lesson of one finding for a dream, as <see cref="ForDream(IReadOnlyList{Finding}, double, IReadOnlyDictionary{string, SessionWithEvents})"/>;
    /// the sessions' values are collected once, at the first reason, into <paramref name="values"/>.</summary>
    internal static LessonCandidate ForDream(Finding finding, double baseFailureRate, IReadOnlyDictionary<string, SessionWithEvents> sessions, ref SessionValues? values)
    {
        if (finding.Pattern != FindingKinds.RubricCriterion || string.IsNullOrWhiteSpace(finding.Example))
        {
            return Write(finding, baseFailureRate);
        }

        values ??= SessionValues.ForText(sessions.Values);
        return Write(finding with { Example = values.MaskText(finding.Example, out _) }, baseFailureRate) with { Finding = finding };
    }

    private const string RequiredClause = "it is required (not meeting it fails the outcome whatever the score)";

    /// <summary>Returns a rubric criterion's templated lesson (either framing) saying, or no longer saying, that the criterion
    /// is required; any other text is returned as it is.</summary>
    internal static string WithRequired(string text, string signature, bool required)
    {
        var (pitfall, pitfallRequired) = ($"\"{signature}\" not met:", $"\"{signature}\" not met, and {RequiredClause}:");
        var (tip, tipRequired) = ("another revision. Check it before you finish.", $"another revision; {RequiredClause}. Check it before you finish.");
        if (text.StartsWith("Graders often find ", StringComparison.Ordinal))
        {
            return required ? ReplaceFirst(text, pitfall, pitfallRequired) : ReplaceFirst(text, pitfallRequired, pitfall);
        }

        if (text.StartsWith("To save steps: graders often find ", StringComparison.Ordinal))
        {
            return required ? ReplaceFirst(text, tip, tipRequired) : ReplaceFirst(text, tipRequired, tip);
        }

        return text;
    }

    private static string ReplaceFirst(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        return at < 0 ? text : string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length));
    }

    // Arguments the model sent that were not valid JSON: the model's mistake, not the tool's answer, so the lesson says what
    // to send rather than what the tool "fails with" or "returns".
    private static bool IsUnreadArguments(Finding finding) => IsToolErrorSignedAs(finding, SessionScanner.UnreadArgumentsSignature);

    // A finding of a tool error, of the same failing call sent again, or of their cost, whose error is the given signature.
    private static bool IsToolErrorSignedAs(Finding finding, string signature) =>
        finding.Signature == signature
        && finding.Pattern is FindingKinds.ToolError or FindingKinds.RepeatedFailingCall
        && finding.Kind is FindingKinds.ToolError or FindingKinds.RepeatedFailingCall or FindingKinds.EfficiencyCost;

    private static (InsightKind Kind, string Text, bool Efficiency) UnreadArguments(Finding finding, string tool, string odds)
    {
        var fix = $"Send the arguments of {tool} as one valid JSON object matching its parameters, with nothing before or after it.";
        return finding.Kind switch
        {
            FindingKinds.ToolError => (InsightKind.Pitfall, $"Calls to {tool} were sent arguments that are not valid JSON: {odds}. {fix}", false),
            FindingKinds.RepeatedFailingCall => (InsightKind.Pitfall, $"Calls to {tool} were sent arguments that are not valid JSON again and again in a session: {odds}. Do not send a call the tool could not read the same way again. {fix}", false),
            _ => (InsightKind.Workflow, string.Create(CultureInfo.InvariantCulture, $"To save steps: calls to {tool} were often sent arguments that are not valid JSON ({finding.WastedCalls} wasted calls in {finding.Sessions} sessions), even in sessions that succeed. {fix}"), true),
        };
    }

    // Calls a person refused to approve: the tool did not fail, so the lesson is to ask first and not to call again
    // what was refused, not to check the arguments against an error.
    private static bool IsRefused(Finding finding) => IsToolErrorSignedAs(finding, SessionScanner.RejectedSignature);

    private static (InsightKind Kind, string Text, bool Efficiency) Refused(Finding finding, string tool, string odds)
    {
        var ask = $"Before calling {tool}, tell the user what it will do and ask them to confirm; when a call is refused, do not send it again: say what could not be done and why.";
        return finding.Kind switch
        {
            FindingKinds.ToolError => (InsightKind.Pitfall, $"A person refused calls to {tool}: {odds}. {ask}", false),
            FindingKinds.RepeatedFailingCall => (InsightKind.Pitfall, $"After a person refused a call to {tool}, the same call was sent again: {odds}. {ask}", false),
            _ => (InsightKind.Workflow, string.Create(CultureInfo.InvariantCulture, $"To save steps: a person often refused calls to {tool} ({finding.WastedCalls} refused calls in {finding.Sessions} sessions), even in sessions that succeed. {ask}"), true),
        };
    }

    // A rate in whole percent, rounded, except that only all is 100% and only none is 0%: 199 of 200 is 99%, 1 of 400 is 1%.
    private static int Percent(double rate)
    {
        var percent = (int)Math.Round(rate * 100, MidpointRounding.AwayFromZero);
        return rate < 1 && percent >= 100 ? 99 : rate > 0 && percent <= 0 ? 1 : percent;
    }

    // A sequence finding names no single tool: its lesson is about both tools of "a -> b".
    private static InsightTriggers TriggersOf(Finding finding) => finding switch
    {
        { Tool: { } tool } => new InsightTriggers { Tools = [tool] },
        { Kind: FindingKinds.ToolSequence, Signature: var signature } when signature.Split(" -> ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: 2 } pair =>
            new InsightTriggers { Tools = pair.Distinct(StringComparer.Ordinal).ToList() },
        _ => InsightTriggers.None,
    };
}
