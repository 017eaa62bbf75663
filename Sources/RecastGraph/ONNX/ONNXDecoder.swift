import Foundation
import RecastTensor
import SwiftProtobuf

/// Converts generated protobuf messages into the graph IR.
///
/// Rejects, with a `GraphError(.unsupported)`, what the IR cannot represent faithfully: model-local functions,
/// training info, sparse tensors, non-tensor value types and attribute references. Dropped silently (no
/// effect on computation): attribute and tensor doc strings, tensor metadata, dimension denotations, node
/// device configurations and graph quantization annotations.
struct ONNXDecoder {
  /// Folder that external data locations are relative to; `nil` when reading from memory.
  var baseDirectory: URL?

  func model(_ proto: Onnx_ModelProto) throws(GraphError) -> Model {
    guard proto.functions.isEmpty else {
      let names = proto.functions.map(\.name).joined(separator: ", ")
      throw GraphError(.unsupported, "model-local functions (\(names)) are not supported; inline them first")
    }
    guard proto.trainingInfo.isEmpty else {
      throw GraphError(.unsupported, "training_info (on-device training graphs) is not supported")
    }
    guard proto.hasGraph else { throw GraphError(.corruptProtobuf, "the model has no graph (is this an ONNX model?)") }
    var opsets = OrderedMap<String, Int>()
    for opset in proto.opsetImport { opsets[opset.domain] = Int(opset.version) }
    return Model(
      graph: try graph(proto.graph),
      irVersion: Int(proto.irVersion),
      opsetImports: opsets,
      producerName: proto.producerName,
      producerVersion: proto.producerVersion,
      domain: proto.domain,
      modelVersion: Int(proto.modelVersion),
      docString: proto.docString,
      metadataProps: metadata(proto.metadataProps)
    )
  }

  func graph(_ proto: Onnx_GraphProto) throws(GraphError) -> Graph {
    guard proto.sparseInitializer.isEmpty else {
      throw GraphError(.unsupported, "graph '\(proto.name)' has sparse initializers, which are not supported")
    }
    var initializers = OrderedMap<String, Tensor>()
    for tensor in proto.initializer {
      guard !tensor.name.isEmpty else {
        throw GraphError(.invalidTensor, "graph '\(proto.name)' has an unnamed initializer")
      }
      guard !initializers.contains(tensor.name) else {
        throw GraphError(.duplicateProducer, "initializer '\(tensor.name)' is defined twice in graph '\(proto.name)'")
      }
      initializers[tensor.name] = try tensor.decoded(baseDirectory: baseDirectory)
    }
    var nodes: [Node] = []
    nodes.reserveCapacity(proto.node.count)
    for node in proto.node { nodes.append(try self.node(node)) }
    return Graph(
      name: proto.name,
      nodes: nodes,
      inputs: try proto.input.map { (v) throws(GraphError) in try valueInfo(v) },
      outputs: try proto.output.map { (v) throws(GraphError) in try valueInfo(v) },
      initializers: initializers,
      valueInfo: try proto.valueInfo.map { (v) throws(GraphError) in try valueInfo(v) },
      docString: proto.docString,
      metadataProps: metadata(proto.metadataProps)
    )
  }

  func node(_ proto: Onnx_NodeProto) throws(GraphError) -> Node {
    var attributes = OrderedMap<String, Attribute>()
    for attribute in proto.attribute {
      do {
        attributes[attribute.name] = try self.attribute(attribute)
      } catch {
        var wrapped = error
        wrapped.message = "node '\(proto.name)' (\(proto.opType)) attribute '\(attribute.name)': \(error.message)"
        throw wrapped
      }
    }
    return Node(
      name: proto.name, opType: proto.opType, domain: proto.domain, inputs: proto.input, outputs: proto.output,
      attributes: attributes, docString: proto.docString, metadataProps: metadata(proto.metadataProps))
  }

  func attribute(_ proto: Onnx_AttributeProto) throws(GraphError) -> Attribute {
    guard !proto.hasRefAttrName else {
      throw GraphError(.unsupported, "refers to function attribute '\(proto.refAttrName)'; functions are not supported")
    }
    let type = proto.hasType ? proto.type : Self.inferredType(proto)
    switch type {
    case .float: return .float(proto.f)
    case .int: return .int(Int(proto.i))
    case .string: return .string(try text(proto.s))
    case .tensor: return .tensor(try proto.t.decoded(baseDirectory: baseDirectory))
    case .graph: return .graph(try graph(proto.g))
    case .floats: return .floats(proto.floats)
    case .ints: return .ints(proto.ints.map { Int($0) })
    case .strings: return .strings(try proto.strings.map { (s) throws(GraphError) in try text(s) })
    case .tensors:
      return .tensors(try proto.tensors.map { (t) throws(GraphError) in try t.decoded(baseDirectory: baseDirectory) })
    case .graphs: return .graphs(try proto.graphs.map { (g) throws(GraphError) in try graph(g) })
    case .sparseTensor, .sparseTensors: throw GraphError(.unsupported, "sparse tensor attributes are not supported")
    case .typeProto, .typeProtos: throw GraphError(.unsupported, "type proto attributes are not supported")
    case .undefined: throw GraphError(.corruptProtobuf, "attribute has no type and no value")
    }
  }

  /// The type of an attribute written without the `type` field (IR < 2), from which value field is set.
  static func inferredType(_ proto: Onnx_AttributeProto) -> Onnx_AttributeProto.AttributeType {
    if proto.hasF { return .float }
    if proto.hasI { return .int }
    if proto.hasS { return .string }
    if proto.hasT { return .tensor }
    if proto.hasG { return .graph }
    if !proto.floats.isEmpty { return .floats }
    if !proto.ints.isEmpty { return .ints }
    if !proto.strings.isEmpty { return .strings }
    if !proto.tensors.isEmpty { return .tensors }
    if !proto.graphs.isEmpty { return .graphs }
    return .undefined
  }

  func valueInfo(_ proto: Onnx_ValueInfoProto) throws(GraphError) -> ValueInfo {
    var info = ValueInfo(name: proto.name, docString: proto.docString, metadataProps: metadata(proto.metadataProps))
    guard proto.hasType else { return info }
    guard case .tensorType(let tensorType)? = proto.type.value else {
      throw GraphError(
        .unsupported, "value '\(proto.name)' is not a tensor (sequence, map and optional types are not supported)")
    }
    if tensorType.hasElemType, tensorType.elemType != 0 {
      guard let dtype = DataType(rawValue: Int(tensorType.elemType)) else {
        throw GraphError(
          .unsupported, "value '\(proto.name)' has element type \(tensorType.elemType), which Recast does not support")
      }
      info.elementType = dtype
    }
    if tensorType.hasShape {
      info.shape = tensorType.shape.dim.map { dimension in
        switch dimension.value {
        case .dimValue(let size)?: size >= 0 ? .fixed(Int(size)) : .unknown
        case .dimParam(let name)?: name.isEmpty ? .unknown : .symbolic(name)
        case nil: .unknown
        }
      }
    }
    return info
  }

  func metadata(_ entries: [Onnx_StringStringEntryProto]) -> OrderedMap<String, String> {
    OrderedMap(entries.map { ($0.key, $0.value) })
  }

  func text(_ data: Data) throws(GraphError) -> String {
    guard let string = String(data: data, encoding: .utf8) else {
      throw GraphError(.unsupported, "string value is not UTF-8")
    }
    return string
  }
}
