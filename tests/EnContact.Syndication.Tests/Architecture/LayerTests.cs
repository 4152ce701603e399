using Mono.Cecil;
using Mono.Cecil.Cil;

namespace EnContact.Syndication.Tests.Architecture;

/// <summary>
/// The layers of docs/architecture.md, read from the compiled gateway: every reference from a type
/// (its base type, fields, signatures, attributes, and every type, method and field its code uses) to
/// another of our namespaces. Storage references nothing of ours; the base references only Storage;
/// a feature never references the composition root; no two features reference each other in a circle.
/// No list of exceptions: the folders are read from the assembly.
/// </summary>
public sealed class LayerTests
{
    private const string Root = "EnContact.Syndication";
    private const string Composition = Root + ".Composition";
    private const string Base = Root + ".Base";
    private const string Storage = Root + ".Storage";

    private static readonly Lazy<Dictionary<string, Dictionary<string, List<string>>>> Graph = new(Build);

    [Fact]
    public void Storage_ReferencesNothingOfOurs()
    {
        Assert.Empty(Offending(Storage, target => target != Storage));
    }

    [Fact]
    public void Base_ReferencesOnlyStorage()
    {
        Assert.Empty(Offending(Base, target => target is not (Base or Storage)));
    }

    [Fact]
    public void NoFeature_ReferencesTheCompositionRoot()
    {
        foreach (var feature in Features())
            Assert.Empty(Offending(feature, target => target is Composition or Root));
    }

    [Fact]
    public void Features_FormNoCycle()
    {
        var features = Features().ToHashSet();
        var edges = features.ToDictionary(f => f, f => Graph.Value.GetValueOrDefault(f)?.Keys.Where(features.Contains).Where(t => t != f).ToList() ?? []);
        var cycle = FindCycle(edges);
        Assert.True(cycle is null, cycle is null ? "" : $"feature folders in a circle: {string.Join(" → ", cycle.Select(Short))}\n" +
            string.Join("\n", cycle.Zip(cycle.Skip(1)).Select(e => $"  {Short(e.First)} → {Short(e.Second)}: {string.Join(", ", Graph.Value[e.First][e.Second].Take(3))}")));
    }

    [Fact]
    public void TheLayersExist_SoTheRulesAboveAreNotVacuous()
    {
        var namespaces = Graph.Value.Keys.ToHashSet();
        Assert.Contains(Base, namespaces);
        Assert.Contains(Storage, namespaces);
        Assert.Contains(Composition, namespaces);
        Assert.True(Features().Count() >= 6, string.Join(", ", Features()));
    }

    private static IEnumerable<string> Features() =>
        Graph.Value.Keys.Where(n => n.StartsWith(Root + ".", StringComparison.Ordinal) && n is not (Composition or Base or Storage)).Order();

    /// <summary>"Namespace → target: example references" lines for every reference from <paramref name="from"/> that <paramref name="forbidden"/> refuses.</summary>
    private static List<string> Offending(string from, Func<string, bool> forbidden) =>
        (Graph.Value.GetValueOrDefault(from) ?? []).Where(e => forbidden(e.Key))
            .Select(e => $"{Short(from)} → {Short(e.Key)}: {string.Join(", ", e.Value.Distinct().Take(5))}").ToList();

    private static string Short(string ns) => ns == Root ? "(root)" : ns[(Root.Length + 1)..];

    /// <summary>namespace → referenced namespace → what references it ("Type.Member uses Other").</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> Build()
    {
        using var module = ModuleDefinition.ReadModule(typeof(Program).Assembly.Location);
        var graph = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes())
        {
            var from = NamespaceOf(type);
            if (!from.StartsWith(Root, StringComparison.Ordinal))
                continue;
            if (!graph.ContainsKey(from))
                graph[from] = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            void Add(TypeReference? target, string where)
            {
                foreach (var referenced in Flatten(target))
                {
                    var to = NamespaceOf(referenced);
                    if (to == from || !to.StartsWith(Root, StringComparison.Ordinal))
                        continue;
                    if (!graph[from].TryGetValue(to, out var uses))
                        graph[from][to] = uses = [];
                    uses.Add($"{Outermost(type).Name}.{where} uses {referenced.Name}");
                }
            }
            Add(type.BaseType, "(base)");
            foreach (var face in type.Interfaces)
                Add(face.InterfaceType, "(interface)");
            foreach (var attribute in type.CustomAttributes)
                Add(attribute.AttributeType, "(attribute)");
            foreach (var field in type.Fields)
                Add(field.FieldType, field.Name);
            foreach (var property in type.Properties)
                Add(property.PropertyType, property.Name);
            foreach (var method in type.Methods)
            {
                Add(method.ReturnType, method.Name);
                foreach (var parameter in method.Parameters)
                    Add(parameter.ParameterType, method.Name);
                if (!method.HasBody)
                    continue;
                foreach (var variable in method.Body.Variables)
                    Add(variable.VariableType, method.Name);
                foreach (var instruction in method.Body.Instructions)
                {
                    switch (instruction.Operand)
                    {
                        case MethodReference called:
                            Add(called.DeclaringType, method.Name);
                            Add(called.ReturnType, method.Name);
                            if (called is GenericInstanceMethod generic)
                                foreach (var argument in generic.GenericArguments)
                                    Add(argument, method.Name);
                            break;
                        case FieldReference field:
                            Add(field.DeclaringType, method.Name);
                            break;
                        case TypeReference typeReference:
                            Add(typeReference, method.Name);
                            break;
                    }
                }
            }
        }
        return graph;
    }

    /// <summary>A type and the types inside it (array elements, generic arguments).</summary>
    private static IEnumerable<TypeReference> Flatten(TypeReference? type)
    {
        switch (type)
        {
            case null:
                yield break;
            case GenericInstanceType generic:
                yield return generic.ElementType;
                foreach (var argument in generic.GenericArguments)
                    foreach (var inner in Flatten(argument))
                        yield return inner;
                break;
            case TypeSpecification specification:
                foreach (var inner in Flatten(specification.ElementType))
                    yield return inner;
                break;
            default:
                yield return type;
                break;
        }
    }

    private static TypeReference Outermost(TypeReference type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static string NamespaceOf(TypeReference type) => Outermost(type).Namespace;

    private static List<string>? FindCycle(Dictionary<string, List<string>> edges)
    {
        var state = new Dictionary<string, int>(); // 1: on the path, 2: done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges[node].Order())
            {
                if (state.GetValueOrDefault(next) == 1)
                    return [.. path[path.IndexOf(next)..], next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                    return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in edges.Keys.Order())
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
                return cycle;
        return null;
    }
}
