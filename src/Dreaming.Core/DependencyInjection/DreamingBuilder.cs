namespace Microsoft.Extensions.DependencyInjection;

internal sealed class DreamingBuilder(IServiceCollection services) : IDreamingBuilder
{
    public IServiceCollection Services { get; } = services;
}
