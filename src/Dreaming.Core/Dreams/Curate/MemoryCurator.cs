using System.Globalization;
using System.Text;

namespace Dreaming;

/// <summary>Applies delta operations to a memory: add, merge near-duplicates, update counters, retire what evidence shows
/// harmful or what decayed, quarantine what the guard flags. Never a wholesale rewrite, never a delete.</summary>
/// <remarks>
/// Whole-memory rewrites by a model collapse memories over time (ACE's "context collapse"); deltas keep every insight a
/// person approved, with its id, unless evidence retires it, and a retired insight stays in the version with its status.
/// The same lesson found again is not added back when evidence retired it as harmful (a reject change names it), and
/// joins its quarantined copy when the guard quarantines it again. A person brings a retired lesson back by an edit that
/// makes it active with its counters reset (counters that still show it harmful retire it again), or that removes it, so
/// it is added afresh when found again. A templated lesson found again framed the other way (an efficiency tip for the
/// error of an active pitfall, or the reverse) does not sit next to it: with as much or more support it replaces the
/// insight's text and kind (an <see cref="DreamChangeOp.Update"/>), else only its evidence is merged. Deterministic and
/// thread-safe.
/// </remarks>
public static partial class MemoryCurator
{
    /// <summary>Curates the next insight set.</summary>
    /// <param name="current">The insights of the current version (empty when there is none).</param>
    /// <param name="candidates">The new lessons, strongest first.</param>
    /// <param name="credits">What the sessions given insights say about them.</param>
    /// <param name="scope">The scope of the memory.</param>
    /// <param name="untrustedEvidence">Returns the tool results and user messages a candidate was learnt from, for the guard.</param>
    /// <param name="now">The time of the change.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="embeddings">Embeddings of the lessons' texts, for merging by meaning after exact and word similarity,
    /// or <see langword="null"/> when no embedding generator is registered.</param>
    /// <returns>The next insights and the changes.</returns>
    public static CurationResult Curate(
        IReadOnlyList<Insight> current,
        IReadOnlyList<LessonCandidate> candidates,
        IReadOnlyList<InsightCredit> credits,
        MemoryScope scope,
        Func<LessonCandidate, IEnumerable<string>> untrustedEvidence,
        DateTimeOffset now,
        CurationOptions? options = null,
        TextEmbeddings? embeddings = null) =>
        Curate(current, candidates, credits, scope, untrustedEvidence, now, options, embeddings, CancellationToken.None);

    /// <summary>Curates the next insight set, stopping when <paramref name="cancellationToken"/> is cancelled: a dream
    /// cancelled while it curates many lessons against a large memory stops within one lesson's work.</summary>
    /// <param name="current">The insights of the current version (empty when there is none).</param>
    /// <param name="candidates">The new lessons, strongest first.</param>
    /// <param name="credits">What the sessions given insights say about them.</param>
    /// <param name="scope">The scope of the memory.</param>
    /// <param name="untrustedEvidence">Returns the tool results and user messages a candidate was learnt from, for the guard.</param>
    /// <param name="now">The time of the change.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="embeddings">Embeddings of the lessons' texts, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the curation; it is checked before each candidate and, in the guard, before
    /// each text it scans. Nothing is returned when it stops: the inputs are never changed.</param>
    /// <returns>The next insights and the changes.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static CurationResult Curate(
        IReadOnlyList<Insight> current,
        IReadOnlyList<LessonCandidate> candidates,
        IReadOnlyList<InsightCredit> credits,
        MemoryScope scope,
        Func<LessonCandidate, IEnumerable<string>> untrustedEvidence,
        DateTimeOffset now,
        CurationOptions? options,
        TextEmbeddings? embeddings,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(credits);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(untrustedEvidence);
        options ??= new CurationOptions();
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        var insights = current.ToList();
        var changes = new List<DreamChange>();
        var wordSets = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var polarities = new Dictionary<string, (HashSet<string> Words, bool Negative)>(StringComparer.Ordinal);
        var cleanEvidence = new HashSet<string>(StringComparer.Ordinal);

        // Lessons added by this curation: one that contradicts another is not newer than it, only from a weaker finding.
        var addedNow = new HashSet<string>(StringComparer.Ordinal);
        // An insight this dream finds again is not decayed by it (the gap since the last dream, or sessions that never
        // called its tools, can exceed DecayAfter): it is decided after the candidates, when it has merged or not.
        var foundAgain = ApplyCredit(insights, credits, now, changes, options, insight => candidates.Any(
            c => FindDuplicate([insight], c, options, embeddings, wordSets).Index == 0 || OtherFraming([insight], c) == 0));

        foreach (var candidate in candidates)
        {
            // Each candidate is compared with every insight and its evidence scanned: on a large memory that is the unit of work.
            cancellationToken.ThrowIfCancellationRequested();
            var verdict = MemoryGuard.Inspect(candidate.Text, untrustedEvidence(candidate), cleanEvidence, cancellationToken);
            if (Dormant(insights, candidate, verdict, options) is { } dormant)
            {
                var existing = insights[dormant];
                if (existing.Status == InsightStatus.Quarantined)
                {
                    // A poisoned lesson that recurs joins its quarantined copy: one entry for a person to review, not one per dream.
                    var (evidence, merged) = CuratedEvidence.Merge(existing, candidate, options);
                    insights[dormant] = existing with { Evidence = evidence, UpdatedAt = now };
                    changes.Add(Change(DreamChangeOp.Merge, insights[dormant], string.Create(
                        CultureInfo.InvariantCulture,
                        $"the same lesson was found again in {candidate.Finding.Sessions} sessions; {merged}; still quarantined: {verdict.Reason}")));
                }
                else
                {
                    // Retired because the sessions given it failed in the way it is about: adding it again would undo that.
                    changes.Add(new DreamChange
                    {
                        Op = DreamChangeOp.Reject,
                        InsightId = existing.Id,
                        Kind = candidate.Kind,
                        Text = candidate.Text,
                        Reason = string.Create(CultureInfo.InvariantCulture, $"not added: it is the lesson of {existing.Id}, retired as harmful ({existing.Harmful} harmful against {existing.Helpful} helpful)"),
                    });
                }

                continue;
            }

            var contradicted = verdict.Quarantine ? -1 : Contradictions.Find(insights, candidate, options.ContradictionSimilarity, polarities);
            if (contradicted >= 0)
            {
                var existing = insights[contradicted];
                var (newer, older) = (Contradictions.Support(candidate, options.MaxEvidence), Contradictions.Support(existing));
                var sameDream = addedNow.Contains(existing.Id);
                var bound = Contradictions.Bound(existing, options.MaxEvidence);
                if (existing.Source == InsightSource.Human || newer < older || ((sameDream || bound.Length > 0) && newer == older))
                {
                    changes.Add(new DreamChange
                    {
                        Op = DreamChangeOp.Reject,
                        InsightId = existing.Id,
                        Kind = candidate.Kind,
                        Text = candidate.Text,
                        Reason = existing.Source == InsightSource.Human
                            ? $"not added: it contradicts {existing.Id}, which a person wrote"
                            : newer < older || !sameDream
                                ? string.Create(CultureInfo.InvariantCulture, $"not added: it contradicts {existing.Id}, which is better supported ({older} against {newer}{bound})")
                                : string.Create(CultureInfo.InvariantCulture, $"not added: it contradicts {existing.Id}, added by this dream from a stronger finding with as much support ({older} against {newer})"),
                    });
                    continue;
                }

                insights[contradicted] = existing with { Status = InsightStatus.Retired, UpdatedAt = now };
                changes.Add(Change(DreamChangeOp.Retire, insights[contradicted], sameDream
                    ? string.Create(CultureInfo.InvariantCulture, $"contradicted by a lesson of this dream with more support ({newer} against {older})")
                    : string.Create(CultureInfo.InvariantCulture, $"contradicted by a newer lesson with as much or more support ({newer} against {older})")));
            }

            var (index, how) = verdict.Quarantine ? (-1, null) : FindDuplicate(insights, candidate, options, embeddings, wordSets);
            if (index >= 0)
            {
                var existing = insights[index];
                var (evidence, merged) = CuratedEvidence.Merge(existing, candidate, options);
                var found = string.Create(
                    CultureInfo.InvariantCulture,
                    $"the same lesson ({how}) was found again in {candidate.Finding.Sessions} sessions ({candidate.Finding.FailedSessions} failed)");
                var again = KeepingReason(existing, candidate);
                // Two lessons of one dream are not newer than one another: the first, from the stronger finding, keeps its text.
                if (!addedNow.Contains(existing.Id) && Rewritten(existing, again) is { } rewritten)
                {
                    insights[index] = existing with { Text = again.Text, Evidence = evidence, UpdatedAt = now };
                    changes.Add(Change(DreamChangeOp.Update, insights[index], $"{found}, {rewritten}: its text replaces the old one; {merged}"));
                    continue;
                }

                insights[index] = existing with { Evidence = evidence, UpdatedAt = now };
                changes.Add(Change(DreamChangeOp.Merge, insights[index], $"{found}; {merged}"));
                continue;
            }

            if (!verdict.Quarantine && OtherFraming(insights, candidate) is >= 0 and var framed)
            {
                changes.Add(Reframe(insights, framed, candidate, now, options));
                continue;
            }

            var insight = new Insight
            {
                Id = Insight.NewId(),
                Kind = candidate.Kind,
                Text = candidate.Text,
                Scope = scope,
                Triggers = candidate.Triggers,
                // Each session once, as a merge keeps it (a reflector may cite two events of one session).
                Evidence = CuratedEvidence.Bounded([.. candidate.Evidence.DistinctBy(e => e.SessionId)], candidate.Evidence, options.MaxEvidence),
                Status = verdict.Quarantine ? InsightStatus.Quarantined : InsightStatus.Active,
                Source = candidate.Source,
                CreatedAt = now,
                UpdatedAt = now,
            };
            insights.Add(insight);
            addedNow.Add(insight.Id);
            var cited = candidate.Evidence.Select(e => e.SessionId).Distinct(StringComparer.Ordinal).Count();
            var capped = insight.Evidence.Count < cited
                ? string.Create(CultureInfo.InvariantCulture, $"; its first {insight.Evidence.Count} of {cited} evidence sessions kept (the evidence keeps at most {CuratedEvidence.Sessions(options.MaxEvidence)})")
                : string.Empty;
            changes.Add(verdict.Quarantine
                ? Change(DreamChangeOp.Quarantine, insight, "quarantined: " + verdict.Reason + capped)
                : Change(DreamChangeOp.Add, insight, Why(candidate) + capped));
        }

        foreach (var i in foundAgain)
        {
            // Found again only by a lesson that did not merge into it (quarantined, or merged into another copy): it decays.
            if (insights[i].Status == InsightStatus.Active && now - insights[i].UpdatedAt > options.DecayAfter)
            {
                insights[i] = Decay(insights[i], now, changes, options);
            }
        }

        MemoryBudget.Apply(insights, changes, options.MemoryTokenBudget, now);
        return new CurationResult(insights, changes);
    }

    /// <summary>Reduces a lesson to the words that carry its meaning, so rewordings and changed numbers compare equal.</summary>
    /// <param name="text">The lesson.</param>
    /// <returns>The normalised words.</returns>
    public static HashSet<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var word = new StringBuilder();
        foreach (var c in text.ToUpperInvariant().Append(' '))
        {
            if (char.IsLetter(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                if (word.Length > 2)
                {
                    words.Add(word.ToString());
                }

                word.Clear();
            }
        }

        return words;
    }

    // Returns the indexes of the insights due to decay that foundAgain says a candidate finds again, left active.
    private static List<int> ApplyCredit(List<Insight> insights, IReadOnlyList<InsightCredit> credits, DateTimeOffset now, List<DreamChange> changes, CurationOptions options, Func<Insight, bool> foundAgain)
    {
        var deferred = new List<int>();
        var byInsight = credits.GroupBy(c => c.InsightId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        for (var i = 0; i < insights.Count; i++)
        {
            var insight = insights[i];
            if (byInsight.TryGetValue(insight.Id, out var given))
            {
                var helpful = given.Count(c => c.Helpful);
                var harmful = given.Count(c => c.Harmful);
                var cited = given.Count(c => c.Cited);
                insight = insight with { Seen = insight.Seen + given.Count, Helpful = insight.Helpful + helpful, Harmful = insight.Harmful + harmful, UpdatedAt = now };
                changes.Add(Change(DreamChangeOp.Update, insight, string.Create(CultureInfo.InvariantCulture, $"given to {given.Count} sessions ({cited} cited it): {helpful} helpful, {harmful} failed in the way it is about")));
            }

            if (insight.Status == InsightStatus.Active && insight.Harmful >= options.RetireAfterHarmful && insight.Harmful > 2 * insight.Helpful)
            {
                insight = insight with { Status = InsightStatus.Retired, UpdatedAt = now };
                changes.Add(Change(DreamChangeOp.Retire, insight, string.Create(CultureInfo.InvariantCulture, $"evidence shows it harmful: {insight.Harmful} harmful against {insight.Helpful} helpful")));
            }
            else if (insight.Status == InsightStatus.Active && insight.Source != InsightSource.Human && now - insight.UpdatedAt > options.DecayAfter)
            {
                // Unchanged for DecayAfter: no session it is about (one that called its tools, or cited it) was given it, and
                // no dream found it again. Whether it once helped does not matter: its tools went out of use, or the
                // environment changed, and it would otherwise be given to every session for ever. Found again by this
                // dream, it merges instead; found again by a later one, it is added afresh.
                if (foundAgain(insight))
                {
                    deferred.Add(i);
                }
                else
                {
                    insight = Decay(insight, now, changes, options);
                }
            }

            insights[i] = insight;
        }

        return deferred;
    }

    private static Insight Decay(Insight insight, DateTimeOffset now, List<DreamChange> changes, CurationOptions options)
    {
        insight = insight with { Status = InsightStatus.Retired, UpdatedAt = now };
        changes.Add(Change(DreamChangeOp.Retire, insight, string.Create(CultureInfo.InvariantCulture, $"decayed: unchanged for more than {options.DecayAfter.TotalDays:0} days (no session it is about was given it and it was not found again; {insight.Helpful} helpful before)")));
        return insight;
    }

    private static string Why(LessonCandidate candidate) => string.Create(
        CultureInfo.InvariantCulture,
        $"{candidate.Finding.Kind} finding: {candidate.Finding.FailedSessions}/{candidate.Finding.Sessions} sessions failed, lift {candidate.Finding.Lift:0.00}{(candidate.IsEfficiencyTip ? " (an efficiency tip, not a correctness rule)" : string.Empty)}");

    private static DreamChange Change(DreamChangeOp op, Insight insight, string reason) =>
        new() { Op = op, InsightId = insight.Id, Kind = insight.Kind, Text = insight.Text, Reason = reason };
}
