using Xunit;

namespace Dreaming.Testing;

/// <summary>What the store conformance suites share: each test's stores are created through <see cref="TrackAsync"/> and
/// disposed after the test.</summary>
/// <typeparam name="TStore">The store interface under test.</typeparam>
public abstract class StoreConformanceTests<TStore> : IAsyncLifetime
    where TStore : class
{
    private readonly List<TStore> _stores = [];

    /// <summary>Runs before each test; does nothing unless overridden.</summary>
    /// <returns>A completed task.</returns>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Runs after each test and disposes the stores the test created.</summary>
    /// <returns>A task that completes when the stores are disposed.</returns>
    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            if (store is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else if (store is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }

        _stores.Clear();
    }

    /// <summary>Waits for a store being created, checks it is not null, and disposes it after the test.</summary>
    /// <param name="creating">The creation of the store.</param>
    /// <returns>The store.</returns>
    protected async Task<TStore> TrackAsync(Task<TStore> creating)
    {
        ArgumentNullException.ThrowIfNull(creating);
        var store = await creating;
        Assert.NotNull(store);
        _stores.Add(store);
        return store;
    }
}
