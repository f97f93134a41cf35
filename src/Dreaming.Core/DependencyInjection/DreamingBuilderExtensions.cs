using System.Diagnostics.CodeAnalysis;
using Dreaming;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses the store and the redaction of an <see cref="IDreamingBuilder"/>.</summary>
public static class DreamingBuilderExtensions
{
    /// <summary>Uses a trace store of the given type, registered as a singleton, in place of any other.</summary>
    /// <typeparam name="TStore">The store type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IDreamingBuilder UseTraceStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this IDreamingBuilder builder)
        where TStore : class, ITraceStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ITraceStore>();
        builder.Services.AddSingleton<ITraceStore, TStore>();
        return builder;
    }

    /// <summary>Uses the trace store a factory creates, in place of any other.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the store once.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IDreamingBuilder UseTraceStore(this IDreamingBuilder builder, Func<IServiceProvider, ITraceStore> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<ITraceStore>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Adds a redactor applied to all recorded text after the ones already registered.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="redactor">The redactor.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IDreamingBuilder AddRedactor(this IDreamingBuilder builder, ITraceContentRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(redactor);
        builder.Services.AddSingleton(redactor);
        return builder;
    }

    /// <summary>Lets Microsoft.Extensions.Compliance.Redaction write the replacement of each secret the built-in patterns find.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="classification">The data classification whose redactor is used (register it with <c>services.AddRedaction(...)</c>).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <remarks>For example, with an HMAC redactor equal secrets get equal replacements, so a leaked key can still be traced across sessions without being stored.</remarks>
    public static IDreamingBuilder UseComplianceRedaction(this IDreamingBuilder builder, DataClassification classification)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ITraceContentRedactor>();
        builder.Services.AddSingleton<ITraceContentRedactor>(sp =>
            new SecretPatternRedactor(sp.GetRequiredService<IRedactorProvider>().GetRedactor(new DataClassificationSet(classification))));
        return builder;
    }
}
