using System.Net;
using System.Net.Http;

namespace Dreaming.Tests;

/// <summary>Answers 204 at once, except at the slow host (a host name starting with the given text), where each request
/// waits for <see cref="Release"/>: with <c>honourCancellation</c> also for its cancellation, as a socket would; without,
/// past any timeout, as a receiver that holds the connection open would.</summary>
internal sealed class SlowHostHandler(string slowHost, bool honourCancellation = true) : HttpMessageHandler
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiting = [];
    private int _hanging;
    private int _slowCalls;

    /// <summary>Gets how many requests have reached the slow host.</summary>
    public int SlowCalls => Volatile.Read(ref _slowCalls);

    /// <summary>Completes when <paramref name="count"/> requests hang at the slow host at once.</summary>
    public Task Hanging(int count)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting)
        {
            if (_hanging >= count)
            {
                reached.SetResult();
            }
            else
            {
                _waiting.Add((count, reached));
            }
        }

        return reached.Task;
    }

    /// <summary>Lets every request at the slow host, waiting or to come, answer.</summary>
    public void Release() => _gate.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri!.Host.StartsWith(slowHost, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _slowCalls);
            lock (_waiting)
            {
                _hanging++;
                foreach (var waiter in _waiting.Where(w => w.Count <= _hanging).ToList())
                {
                    _waiting.Remove(waiter);
                    waiter.Reached.TrySetResult();
                }
            }

            try
            {
                await (honourCancellation ? _gate.Task.WaitAsync(cancellationToken) : _gate.Task);
            }
            finally
            {
                lock (_waiting)
                {
                    _hanging--;
                }
            }
        }

        return new HttpResponseMessage(HttpStatusCode.NoContent);
    }
}
