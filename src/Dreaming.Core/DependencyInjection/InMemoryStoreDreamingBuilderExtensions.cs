using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="InMemoryTraceStore"/>.</summary>
public static class InMemoryStoreDreamingBuilderExtensions
{
    /// <summary>Uses a singleton <see cref="InMemoryTraceStore"/> as the trace store, replacing any store registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IDreamingBuilder UseInMemoryStore(this IDreamingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ITraceStore>();
        builder.Services.AddSingleton<ITraceStore, InMemoryTraceStore>();
        return builder;
    }
}
