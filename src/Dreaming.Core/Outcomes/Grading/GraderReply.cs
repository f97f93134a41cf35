using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dreaming;

/// <summary>One verdict read from a grader reply.</summary>
internal readonly record struct GraderVerdict(CriterionVerdict Verdict, string Reason);

/// <summary>What could be read from one grader reply, and what was wrong with it.</summary>
/// <remarks>Reading is tolerant of the ways models wrap JSON (code fences, prose before or after, an echoed example
/// before the answer), and strict about content: only the ids asked for count, and only the three verdicts.</remarks>
internal sealed class GraderReply
{
    internal const string Met = "met";
    internal const string PartiallyMet = "partially_met";
    internal const string NotMet = "not_met";

    /// <summary>The longest reason kept from a reply, in characters; a longer one is cut, saying so. The grader is asked for
    /// one to three sentences: a reason far beyond that is the reply running away (or echoing the work), and it would
    /// otherwise be carried whole into the result, the revision feedback the agent is sent and the correction.</summary>
    internal const int MaxReasonLength = 2_000;

    /// <summary>The most ids not asked for that a problem lists (the rest are counted), and the longest text quoted from a
    /// reply in a problem (an id, a verdict), so a reply cannot make the correction sent back to the grader any larger.</summary>
    internal const int MaxListedIds = 10;

    internal const int MaxQuotedLength = 100;

    // Bounds the work spent on a long reply that is mostly prose with stray braces.
    private const int MaxCandidates = 64;

    private static readonly JsonReaderOptions s_readerOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private readonly Dictionary<string, GraderVerdict> _verdicts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _invalid = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _ignoredIds = [];
    private readonly HashSet<string> _ignoredDistinct = new(StringComparer.OrdinalIgnoreCase);
    private string? _unreadable;

    private GraderReply()
    {
    }

    /// <summary>Gets the usable verdicts, by criterion id.</summary>
    public IReadOnlyDictionary<string, GraderVerdict> Verdicts => _verdicts;

    /// <summary>Gets the first <see cref="MaxListedIds"/> distinct ids in the reply that were not asked for, each cut to
    /// <see cref="MaxQuotedLength"/>; they are never counted.</summary>
    public IReadOnlyList<string> IgnoredIds => _ignoredIds;

    /// <summary>Gets how many distinct ids (ignoring case, as ids are matched) not asked for the reply answered; an id
    /// answered more than once counts once.</summary>
    public int IgnoredCount => _ignoredDistinct.Count;

    /// <summary>Reads a reply to a request for <paramref name="criteria"/>.</summary>
    public static GraderReply Read(string? text, IReadOnlyList<RubricCriterion> criteria)
    {
        var reply = new GraderReply();
        if (string.IsNullOrWhiteSpace(text))
        {
            reply._unreadable = "the reply was empty";
            return reply;
        }

        if (FindAnswer(text) is not { } entries)
        {
            reply._unreadable = "the reply held no JSON object with a \"criteria\" array";
            return reply;
        }

        var asked = criteria.Select(c => c.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries.EnumerateArray())
        {
            reply.ReadEntry(entry, asked);
        }

        return reply;
    }

    /// <summary>Describes what is wrong with the reply, given the verdicts already known; empty when nothing is.</summary>
    public IReadOnlyList<string> Problems(IReadOnlyList<RubricCriterion> criteria, IReadOnlyDictionary<string, GraderVerdict> known)
    {
        if (_unreadable is not null)
        {
            return [_unreadable];
        }

        var problems = new List<string>();
        foreach (var criterion in criteria.Where(c => !known.ContainsKey(c.Id)))
        {
            problems.Add($"criterion {criterion.Id}: {ProblemWith(criterion.Id)}");
        }

        if (IgnoredCount > 0)
        {
            var more = IgnoredCount > _ignoredIds.Count ? $" and {IgnoredCount - _ignoredIds.Count} more" : string.Empty;
            problems.Add("it answered ids that were not asked for (" + string.Join(", ", _ignoredIds) + more + ")");
        }

        return problems;
    }

    /// <summary>Says why the reply gives no usable verdict for <paramref name="id"/>.</summary>
    public string ProblemWith(string id) =>
        _unreadable ?? (_invalid.TryGetValue(id, out var problem) ? problem : "it was not answered");

    // The first object of the reply holding a "criteria" array (any case), so prose, a code fence or an echoed example
    // around it does not matter.
    private static JsonElement? FindAnswer(string text)
    {
        using var document = ModelReplyJson.Find(text, static root => ModelReplyJson.Property(root, "criteria") is { ValueKind: JsonValueKind.Array }, MaxCandidates, s_readerOptions, out _);
        return document is null ? null : ModelReplyJson.Property(document.RootElement, "criteria")!.Value.Clone();
    }

    private void ReadEntry(JsonElement entry, HashSet<string> asked)
    {
        if (entry.ValueKind != JsonValueKind.Object
            || (ModelReplyJson.Property(entry, "id") ?? ModelReplyJson.Property(entry, "criterion_id") ?? ModelReplyJson.Property(entry, "criterionId")) is not { ValueKind: JsonValueKind.String } idElement)
        {
            return;
        }

        var id = idElement.GetString()!.Trim();
        if (!asked.TryGetValue(id, out var askedId))
        {
            // Distinct ids are counted: an id answered twelve times is one id not asked for, not "and 11 more".
            var quoted = Quote(id);
            if (_ignoredDistinct.Add(id) && _ignoredIds.Count < MaxListedIds && !_ignoredIds.Contains(quoted, StringComparer.OrdinalIgnoreCase))
            {
                _ignoredIds.Add(quoted);
            }

            return;
        }

        if (_invalid.ContainsKey(askedId))
        {
            return;
        }

        var rawVerdict = ModelReplyJson.Property(entry, "verdict") is { ValueKind: JsonValueKind.String } v ? v.GetString()! : null;
        var reason = ModelReplyJson.Property(entry, "reason") is { ValueKind: JsonValueKind.String } r && !string.IsNullOrWhiteSpace(r.GetString())
            ? Cut(r.GetString()!.Trim(), MaxReasonLength)
            : "(no reason given)";
        if (ParseVerdict(rawVerdict) is not { } verdict)
        {
            var problem = rawVerdict is null ? "it had no verdict" : $"its verdict \"{Quote(rawVerdict)}\" is not met, partially_met or not_met";
            // An unusable second answer contradicts the first as much as a different verdict does: neither is trusted.
            _invalid[askedId] = _verdicts.Remove(askedId) ? $"it was answered twice, the second time unusably ({problem})" : problem;
            return;
        }

        if (_verdicts.TryGetValue(askedId, out var earlier) && earlier.Verdict != verdict)
        {
            // Two different answers for one criterion: neither can be trusted.
            _verdicts.Remove(askedId);
            _invalid[askedId] = "it was answered twice with different verdicts";
            return;
        }

        _verdicts.TryAdd(askedId, new GraderVerdict(verdict, reason));
    }

    /// <summary>Text of the reply quoted in a problem: at most <see cref="MaxQuotedLength"/> characters.</summary>
    private static string Quote(string text) => Cut(text, MaxQuotedLength);

    /// <summary>Cuts <paramref name="text"/> to about <paramref name="limit"/> characters, saying how long it was; a surrogate
    /// pair is never split.</summary>
    internal static string Cut(string text, int limit)
    {
        return text.Length <= limit
            ? text
            : string.Create(CultureInfo.InvariantCulture, $"{TextCut.Start(text, limit)}… (cut from {text.Length} characters)");
    }

    private static CriterionVerdict? ParseVerdict(string? raw) =>
        raw?.Trim().Replace(' ', '_').Replace('-', '_').ToLowerInvariant() switch
        {
            Met => CriterionVerdict.Met,
            PartiallyMet => CriterionVerdict.PartiallyMet,
            NotMet => CriterionVerdict.NotMet,
            _ => null,
        };
}
