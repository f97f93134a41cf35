using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-memory stores.</summary>
public static class InMemoryStoreDreamingBuilderExtensions
{
    /// <summary>Uses a singleton <see cref="InMemoryTraceStore"/> as the trace store, a singleton <see cref="InMemoryMemoryStore"/>
    /// as the memory store and a singleton <see cref="InMemoryDreamRunStore"/> as the dream run store, replacing any stores
    /// registered before (as <c>UseSqliteStore</c> sets all three).</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IDreamingBuilder UseInMemoryStore(this IDreamingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ITraceStore>();
        builder.Services.AddSingleton<ITraceStore, InMemoryTraceStore>();
        builder.Services.RemoveAll<IMemoryStore>();
        builder.Services.AddSingleton<IMemoryStore, InMemoryMemoryStore>();
        builder.Services.RemoveAll<IDreamRunStore>();
        builder.Services.AddSingleton<IDreamRunStore, InMemoryDreamRunStore>();
        return builder;
    }
}
