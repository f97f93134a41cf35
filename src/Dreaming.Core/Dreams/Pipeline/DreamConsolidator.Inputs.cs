using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Dreaming;

// What a dream builds on and reads besides its sessions: the pending proposal under review, the embeddings of lessons,
// and why too few sessions were found.
public sealed partial class DreamConsolidator
{
    // How many of the scope's newest sessions the reason for too few sessions counts.
    private const int WhyTooFewCount = 500;

    // Under RequireApproval, the newest version that still waits for review and derives from the active version through
    // proposed versions only: an earlier dream's proposal, or a person's pending edit of one. The dream builds on it: the
    // sessions that proposal learnt from are behind the cursor and will not be read again, so building on the active
    // version would strand its lessons (and a sibling of a person's edit would drop the edit); approving the newest
    // proposal now approves them all.
    private async Task<MemoryVersion?> PendingProposalAsync(MemoryScope scope, MemoryVersion? active, CancellationToken cancellationToken)
    {
        // Every version a proposal on the active version descends through is newer than it: read those, a page at a time.
        var newer = new List<MemoryVersionSummary>();
        for (int? before = null; ;)
        {
            var page = await _memory.ListVersionsAsync(scope, MemoryStoreRules.MaxListLimit, before, cancellationToken).ConfigureAwait(false);
            var reachedActive = false;
            foreach (var version in page)
            {
                if (active is not null && version.Number <= active.Number)
                {
                    reachedActive = true;
                    break;
                }

                newer.Add(version);
            }

            if (reachedActive || page.Count < MemoryStoreRules.MaxListLimit)
            {
                break;
            }

            before = page[^1].Number;
        }

        var byId = newer.ToDictionary(v => v.Id, StringComparer.Ordinal);
        foreach (var version in newer)
        {
            if (version.State != MemoryVersionState.Proposed)
            {
                continue;
            }

            var step = version;
            while (step.ParentVersionId is { } parent && parent != active?.Id && byId.TryGetValue(parent, out var next) && next.State == MemoryVersionState.Proposed)
            {
                step = next;
            }

            if (step.ParentVersionId == active?.Id)
            {
                return await _memory.GetVersionAsync(version.Id, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    // Embeds the free-text lessons and the insights they could duplicate. Templated lessons merge by tool and signature, so
    // when there are none of another kind, no call is made. A failing generator leaves merging to words, with a note; the
    // usage (and estimate) of the batches embedded before the failing one is still returned, as it was billed.
    private async Task<(TextEmbeddings? Embeddings, SessionUsage Usage, long EstimatedTokens, string? Note)> EmbedAsync(IReadOnlyList<Insight> current, IReadOnlyList<LessonCandidate> candidates, CancellationToken cancellationToken)
    {
        var free = candidates.Where(c => c.Source != InsightSource.Mined).Select(c => c.Text).ToList();
        if (_embeddings is null || free.Count == 0)
        {
            return (null, SessionUsage.Zero, 0, null);
        }

        var texts = free.Concat(current.Where(i => i.Status is InsightStatus.Active or InsightStatus.Proposed).Select(i => i.Text));
        var spend = new TextEmbeddings.Spend();
        try
        {
            var embeddings = await TextEmbeddings.CreateAsync(_embeddings, texts, spend, cancellationToken).ConfigureAwait(false);
            return (embeddings, embeddings.Usage, embeddings.EstimatedTokens, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogEmbeddingFailed(_logger, ex);
            return (null, spend.Usage, spend.EstimatedTokens, "embeddings failed, lessons merged by wording only: " + ex.Message);
        }
    }

    // Says why a dream found too few sessions: an agent with no sessions at all (a typo in the id?), or finished sessions
    // that carry no outcome or label (a dream learns only from graded work).
    private async Task<string> WhyTooFewAsync(MemoryScope scope, DreamCursor? after, CancellationToken cancellationToken)
    {
        // The reason only explains, so the scope's newest sessions (one page) are enough: it walked every session of the
        // scope, a second walk of a year's file (1.5 s for the global scope of 200,000 sessions) at each dream that found
        // too few. The message says when there were more than it counted.
        int recorded = 0, ungraded = 0, running = 0;
        var more = false;
        await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(_traces, scope, cancellationToken, pageSize: WhyTooFewCount + 1).ConfigureAwait(false))
        {
            if (recorded == WhyTooFewCount)
            {
                more = true;
                break;
            }

            recorded++;
            if (session.Status == SessionStatus.Running)
            {
                running++;
            }
            else if (SessionVerdicts.Classify(session) is not (SessionVerdict.Succeeded or SessionVerdict.Failed))
            {
                ungraded++;
            }
        }

        if (recorded == 0)
        {
            return scope.Kind switch
            {
                MemoryScopeKind.Agent => $": no sessions are recorded for agent '{scope.Id}'",
                MemoryScopeKind.Team => $": no sessions are recorded with scope '{scope.Id}'",
                _ => ": no sessions are recorded",
            };
        }

        var parts = new List<string>();
        if (ungraded > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{ungraded} finished without an outcome or label"));
        }

        if (running > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{running} still running"));
        }

        if (after is not null)
        {
            parts.Add("the others were read by earlier dreams");
        }

        var of = more ? " — of the newest " + recorded.ToString(CultureInfo.InvariantCulture) + " recorded (more are not counted): " : " — of " + recorded.ToString(CultureInfo.InvariantCulture) + " recorded: ";
        return parts.Count == 0 ? string.Empty : of + string.Join(", ", parts);
    }

    private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : a + "; " + b;

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "The embedding generator failed; lessons are merged by wording only in this dream.")]
    private static partial void LogEmbeddingFailed(ILogger logger, Exception exception);

    // A finding's example is a raw error line, which may quote a customer: the run record (for reviewers, and reported by
    // webhooks) shows it with the values of the findings' evidence sessions masked (the example's own session is the
    // first to show the pattern, so among them unless more than MaxEvidence of the other outcome came first), as the
    // reflector's prompt does; the raw line stays in the evidence session. The reflector and the guard get the raw one.
    private static DreamReport MaskExamples(DreamReport report, IReadOnlyDictionary<string, SessionWithEvents> sessions)
    {
        if (report.Findings.All(static f => f.Example is null))
        {
            return report;
        }

        var evidence = report.Findings.Where(static f => f.Example is not null).SelectMany(static f => f.Evidence).Select(static e => e.SessionId).Distinct(StringComparer.Ordinal);
        var values = SessionValues.ForText(evidence.Select(id => sessions.GetValueOrDefault(id)).OfType<SessionWithEvents>());
        return report with { Findings = [.. report.Findings.Select(f => f.Example is { } example ? f with { Example = values.MaskText(example, out _) } : f)] };
    }
}
