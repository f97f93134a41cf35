using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public class DreamJobsTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_job_starts_in_the_background_and_can_be_awaited()
    {
        var (jobs, traces, memory, release) = Create();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));

        var run = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });

        Assert.Equal(DreamRunStatus.Running, run.Status);
        Assert.Contains(run.Id, jobs.Running);
        release.SetResult();
        var done = await jobs.WaitAsync(run.Id);
        Assert.Equal(DreamRunStatus.Completed, done.Status);
        Assert.Equal(done.Results.OutputVersionId, (await memory.GetActiveVersionAsync(s_scope))!.Id);
    }

    [Fact]
    public async Task Canceling_a_job_stops_it_and_writes_no_memory()
    {
        var (jobs, traces, memory, _) = Create();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var run = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });

        var canceled = await jobs.CancelAsync(run.Id);

        Assert.Equal(DreamRunStatus.Canceled, canceled.Status);
        Assert.Null(await memory.GetActiveVersionAsync(s_scope));
        for (var i = 0; i < 200 && jobs.Running.Contains(run.Id); i++)
        {
            await Task.Delay(10);
        }

        Assert.DoesNotContain(run.Id, jobs.Running);
    }

    [Fact]
    public async Task A_second_job_for_a_scope_that_is_dreaming_gets_the_conflict_at_start()
    {
        var (jobs, traces, _, release) = Create();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));
        var first = await jobs.StartAsync(new DreamRunRequest { Scope = s_scope });

        var ex = await Assert.ThrowsAsync<DreamConflictException>(() => jobs.StartAsync(new DreamRunRequest { Scope = s_scope }));

        Assert.Contains(first.Id, ex.Message, StringComparison.Ordinal);
        release.SetResult();
        Assert.Equal(DreamRunStatus.Completed, (await jobs.WaitAsync(first.Id)).Status);
    }

    [Fact]
    public async Task Jobs_come_from_the_container_and_unknown_runs_are_named()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents();
        await using var provider = services.BuildServiceProvider();
        var jobs = provider.GetRequiredService<DreamJobs>();

        await Assert.ThrowsAsync<DreamRunNotFoundException>(() => jobs.WaitAsync("dr-missing"));
        await Assert.ThrowsAsync<DreamRunNotFoundException>(() => jobs.CancelAsync("dr-missing"));
    }

    private static (DreamJobs Jobs, InMemoryTraceStore Traces, InMemoryMemoryStore Memory, TaskCompletionSource Release) Create()
    {
        var traces = new InMemoryTraceStore();
        var memory = new InMemoryMemoryStore();
        var runs = new InMemoryDreamRunStore();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dreams = new DreamConsolidator(traces, memory, runs, reflector: new WaitingReflector(release.Task));
        return (new DreamJobs(dreams, runs), traces, memory, release);
    }

    private sealed class WaitingReflector(Task release) : IDreamReflector
    {
        public async Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            await release.WaitAsync(cancellationToken);
            return new ReflectionResult(TemplateLessonWriter.Write(request.Findings, request.BaseFailureRate), SessionUsage.Zero, null);
        }
    }
}
