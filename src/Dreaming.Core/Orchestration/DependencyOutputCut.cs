using System.Globalization;

namespace Dreaming;

/// <summary>Cuts completed items' outputs for what other prompts are given of them (their dependents, the coordinator's
/// synthesis): each to <see cref="OrchestratorOptions.MaxDependencyOutputLength"/>, and all of one prompt's together to
/// <see cref="OrchestratorOptions.MaxDependencyOutputTotalLength"/>, with a line saying each was cut and where the whole
/// of it is.</summary>
internal static class DependencyOutputCut
{
    private const string EachLimit = "OrchestratorOptions.MaxDependencyOutputLength";

    /// <summary>Returns the output as a dependent is given it: <paramref name="output"/> itself when it is no longer than
    /// <paramref name="maxLength"/> (or there is no limit), else its first <paramref name="maxLength"/> characters (one
    /// fewer rather than half a surrogate pair), then a line saying it was cut, how long it is, that the run's result holds
    /// it whole, and the item's session.</summary>
    public static WorkItemOutput Cut(string output, int? maxLength, string itemId, string agent, string? sessionId) =>
        maxLength is { } max && output.Length > max
            ? new WorkItemOutput(itemId, agent, CutText(output, max, itemId, sessionId, EachLimit)) { OriginalLength = output.Length }
            : new WorkItemOutput(itemId, agent, output);

    /// <summary>Returns what one prompt is given of several outputs: each cut to <paramref name="eachLimit"/>; then, when
    /// what is left of them is more than <paramref name="totalLimit"/> characters in all, the shorter ones whole and the
    /// longer ones cut to an equal share of what the shorter ones left, so that the kept characters are at most the total
    /// (each cut one followed by its line). <paramref name="shared"/> holds each output as cut to the limit of each, made
    /// once and shared; it is returned as it is when the total is not passed.</summary>
    /// <param name="shared">The outputs cut to <paramref name="eachLimit"/> alone.</param>
    /// <param name="whole">The outputs whole, in the same order.</param>
    /// <param name="sessionIds">The items' sessions, in the same order.</param>
    /// <param name="eachLimit">The most characters of each.</param>
    /// <param name="totalLimit">The most characters of all of them.</param>
    /// <param name="what">What the outputs are of, for the line: <c>dependencies</c> or <c>items</c>.</param>
    public static WorkItemOutput[] CutTogether(WorkItemOutput[] shared, string[] whole, string?[] sessionIds, int? eachLimit, int? totalLimit, string what)
    {
        if (totalLimit is not { } total)
        {
            return shared;
        }

        var kept = new int[whole.Length];
        long sum = 0;
        for (var i = 0; i < whole.Length; i++)
        {
            kept[i] = eachLimit is { } each ? Math.Min(whole[i].Length, each) : whole[i].Length;
            sum += kept[i];
        }

        if (sum <= total)
        {
            return shared;
        }

        // The shortest first: each is given whole while it is no longer than an equal share of what is left; from the
        // first that is longer on, every one left is longer too and gets that share.
        var order = Enumerable.Range(0, whole.Length).OrderBy(i => kept[i]).ToArray();
        long left = total;
        var share = 0;
        for (var n = 0; n < order.Length; n++)
        {
            var i = order[n];
            share = (int)(left / (order.Length - n));
            if (kept[i] > share)
            {
                break;
            }

            left -= kept[i];
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"OrchestratorOptions.MaxDependencyOutputTotalLength: {total:N0} characters for the outputs of all {whole.Length:N0} {what}");
        var outputs = new WorkItemOutput[whole.Length];
        for (var i = 0; i < whole.Length; i++)
        {
            outputs[i] = kept[i] <= share
                ? shared[i]
                : shared[i] with { Output = CutText(whole[i], share, shared[i].Id, sessionIds[i], line), OriginalLength = whole[i].Length };
        }

        return outputs;
    }

    private static string CutText(string output, int max, string itemId, string? sessionId, string limit)
    {
        var kept = max > 0 && char.IsHighSurrogate(output[max - 1]) ? max - 1 : max;
        var session = sessionId is null ? string.Empty : $"; the item ran in session {sessionId}";
        return string.Concat(
            output.AsSpan(0, kept),
            string.Create(
                CultureInfo.InvariantCulture,
                $"\n[Cut by the orchestrator: the output of '{itemId}' is {output.Length:N0} characters long; only its first {kept:N0} are given here ({limit}). The whole output is in the run's result{session}.]"));
    }
}
