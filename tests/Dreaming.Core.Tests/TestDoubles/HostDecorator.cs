using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A host's own decorator around a registered service, as a logging or caching one would be: it only forwards
/// every call, and the library cannot see through it.</summary>
internal static class HostDecorator
{
    /// <summary>Replaces the last registration of <typeparamref name="T"/> (a factory registration) with one that wraps what
    /// it made in a forwarding decorator.</summary>
    public static void Redecorate<T>(IServiceCollection services)
        where T : class
    {
        var current = services.Last(d => d.ServiceType == typeof(T));
        services.Remove(current);
        services.AddSingleton(sp =>
        {
            var proxy = DispatchProxy.Create<T, ForwardingProxy<T>>();
            ((ForwardingProxy<T>)(object)proxy).Inner = (T)current.ImplementationFactory!(sp);
            return proxy;
        });
    }

    /// <summary>Forwards every call to <see cref="Inner"/>, rethrowing what it throws as it was.</summary>
    public class ForwardingProxy<T> : DispatchProxy
        where T : class
    {
        private T _inner = null!;

        public T Inner
        {
            set => _inner = value;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            try
            {
                return targetMethod!.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }
    }
}
