using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class DreamCommitTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_dream_canceled_by_its_caller_while_it_commits_finishes_the_commit_and_records_the_version()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        using var cancel = new CancellationTokenSource();
        var memory = new HookedMemoryStore(new InMemoryMemoryStore()) { AfterPropose = (_, _) => cancel.CancelAsync() };
        var runs = new InMemoryDreamRunStore();

        var run = await new DreamConsolidator(traces, memory, runs).DreamAsync(new DreamRunRequest { Scope = s_scope }, cancel.Token);

        // The proposal was written before the cancel arrived: the dream must not end canceled with a version it never names.
        var versions = await memory.ListVersionsAsync(s_scope);
        var version = Assert.Single(versions);
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(version.Id, run.Results.OutputVersionId);
        Assert.Equal(MemoryVersionState.Active, version.State);
    }

    [Fact]
    public async Task An_auto_dream_whose_input_version_was_replaced_meanwhile_fails_naming_its_proposal()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var inner = new InMemoryMemoryStore();
        var first = await inner.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.Person("alice"), Insights = [] });
        await inner.ApproveAsync(first.Id, MemoryAuthor.Person("alice"));
        var memory = new HookedMemoryStore(inner)
        {
            // A person approves an edit of the active version while the dream is committing.
            AfterPropose = async (_, ct) =>
            {
                var edit = await inner.EditAsync(first.Id, new MemoryEdit
                {
                    Author = MemoryAuthor.Person("bob"),
                    Upserts = [new Insight { Id = Insight.NewId(), Text = "Ask for the order number first.", Scope = s_scope, Source = InsightSource.Human, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch }],
                    Note = "by hand",
                }, ct);
                await inner.ApproveAsync(edit.Id, MemoryAuthor.Person("bob"), ct);
            },
        };
        var runs = new InMemoryDreamRunStore();

        var run = await new DreamConsolidator(traces, memory, runs).DreamAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Failed, run.Status);
        Assert.Contains("does not derive from", run.Error, StringComparison.Ordinal);
        var proposal = (await memory.ListVersionsAsync(s_scope)).Single(v => v.Author.Kind == MemoryAuthorKind.DreamRun);
        Assert.Equal(MemoryVersionState.Proposed, proposal.State);
        Assert.Equal(proposal.Id, run.Results.OutputVersionId);
    }

    [Fact]
    public async Task A_dream_canceled_in_the_store_while_it_commits_returns_the_canceled_run_and_the_version_names_it()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var runs = new InMemoryDreamRunStore();
        var memory = new HookedMemoryStore(new InMemoryMemoryStore())
        {
            AfterPropose = async (_, ct) => await runs.CancelAsync((await runs.ListAsync(s_scope, cancellationToken: ct)).Single().Id, ct),
        };

        var run = await new DreamConsolidator(traces, memory, runs).DreamAsync(new DreamRunRequest { Scope = s_scope });

        // Too late to stop the commit: the version is written, and the canceled run says which it is.
        Assert.Equal(DreamRunStatus.Canceled, run.Status);
        var version = Assert.Single(await memory.ListVersionsAsync(s_scope));
        Assert.Equal(MemoryAuthor.DreamRun(run.Id), version.Author);
        Assert.Equal(DreamRunStatus.Canceled, (await runs.GetAsync(run.Id))!.Status);
    }

    [Fact]
    public async Task A_dream_whose_lease_ran_out_while_the_store_was_unreachable_takes_it_again_before_it_commits()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var inner = new InMemoryDreamRunStore(time);
        var runs = new FlakyRenewals(inner);
        Exception? other = null;
        var memory = new HookedMemoryStore(new InMemoryMemoryStore(time))
        {
            // Another process tries to dream the scope while this one writes its version.
            AfterPropose = async (_, ct) =>
            {
                var rival = await inner.CreateAsync(new DreamRunRequest { Scope = s_scope }, ct);
                other = await Record.ExceptionAsync(() => inner.StartAsync(rival.Id, "another process", TimeSpan.FromMinutes(1), ct));
            },
        };
        var release = new TaskCompletionSource();
        var reflecting = new TaskCompletionSource();
        var reflector = new DelayedReflector(async ct =>
        {
            reflecting.TrySetResult();
            await release.Task.WaitAsync(ct);
        });
        var dreaming = new DreamConsolidator(traces, memory, runs, time, reflector: reflector).DreamAsync(new DreamRunRequest { Scope = s_scope });
        await reflecting.Task;

        // The store is out of reach for longer than the lease; nobody takes the scope over meanwhile.
        runs.Reachable = false;
        time.Advance(DreamConsolidator.LeaseDuration + TimeSpan.FromMinutes(1));
        await runs.Refused.Task;
        runs.Reachable = true;
        release.SetResult();
        var run = await dreaming;

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.IsType<DreamConflictException>(other);
    }

    private sealed class DelayedReflector(Func<CancellationToken, Task> during) : IDreamReflector
    {
        public async Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            await during(cancellationToken);
            return new ReflectionResult(TemplateLessonWriter.Write(request.Findings, request.BaseFailureRate), SessionUsage.Zero, null);
        }
    }

    /// <summary>A run store that cannot be reached for lease renewals while <see cref="Reachable"/> is false.</summary>
    private sealed class FlakyRenewals(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public volatile bool Reachable = true;

        public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            Reachable ? base.RenewLeaseAsync(runId, leaseHolder, leaseDuration, cancellationToken) : Refuse();

        private Task<DreamRun> Refuse()
        {
            Refused.TrySetResult();
            throw new TimeoutException("the store cannot be reached");
        }
    }

    private sealed class HookedMemoryStore(IMemoryStore inner) : ForwardingMemoryStore(inner)
    {
        public Func<MemoryVersion, CancellationToken, Task>? AfterPropose { get; init; }

        public override async Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
        {
            var version = await Inner.ProposeAsync(proposal, cancellationToken);
            if (AfterPropose is { } hook)
            {
                await hook(version, CancellationToken.None);
            }

            return version;
        }
    }
}
