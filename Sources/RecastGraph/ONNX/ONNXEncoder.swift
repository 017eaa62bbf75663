import Foundation
import RecastTensor
import SwiftProtobuf

/// Converts the graph IR into generated protobuf messages. Every tensor is written inline as `raw_data`.
struct ONNXEncoder {
  func model(_ model: Model) -> Onnx_ModelProto {
    var proto = Onnx_ModelProto()
    proto.irVersion = Int64(model.irVersion)
    proto.opsetImport = model.opsetImports.map { domain, version in
      var opset = Onnx_OperatorSetIdProto()
      opset.domain = domain
      opset.version = Int64(version)
      return opset
    }
    if !model.producerName.isEmpty { proto.producerName = model.producerName }
    if !model.producerVersion.isEmpty { proto.producerVersion = model.producerVersion }
    if !model.domain.isEmpty { proto.domain = model.domain }
    if model.modelVersion != 0 { proto.modelVersion = Int64(model.modelVersion) }
    if !model.docString.isEmpty { proto.docString = model.docString }
    proto.metadataProps = metadata(model.metadataProps)
    proto.graph = graph(model.graph)
    return proto
  }

  func graph(_ graph: Graph) -> Onnx_GraphProto {
    var proto = Onnx_GraphProto()
    proto.node = graph.nodes.map(node)
    proto.name = graph.name
    proto.initializer = graph.initializers.map { name, tensor in Onnx_TensorProto(tensor, name: name) }
    if !graph.docString.isEmpty { proto.docString = graph.docString }
    proto.input = graph.inputs.map(valueInfo)
    proto.output = graph.outputs.map(valueInfo)
    proto.valueInfo = graph.valueInfo.map(valueInfo)
    proto.metadataProps = metadata(graph.metadataProps)
    return proto
  }

  func node(_ node: Node) -> Onnx_NodeProto {
    var proto = Onnx_NodeProto()
    proto.input = node.inputs
    proto.output = node.outputs
    if !node.name.isEmpty { proto.name = node.name }
    proto.opType = node.opType
    if !node.domain.isEmpty { proto.domain = node.domain }
    proto.attribute = node.attributes.map { name, value in attribute(name, value) }
    if !node.docString.isEmpty { proto.docString = node.docString }
    proto.metadataProps = metadata(node.metadataProps)
    return proto
  }

  func attribute(_ name: String, _ value: Attribute) -> Onnx_AttributeProto {
    var proto = Onnx_AttributeProto()
    proto.name = name
    switch value {
    case .float(let v):
      proto.type = .float
      proto.f = v
    case .int(let v):
      proto.type = .int
      proto.i = Int64(v)
    case .string(let v):
      proto.type = .string
      proto.s = Data(v.utf8)
    case .tensor(let v):
      proto.type = .tensor
      proto.t = Onnx_TensorProto(v, name: "")
    case .graph(let v):
      proto.type = .graph
      proto.g = graph(v)
    case .floats(let v):
      proto.type = .floats
      proto.floats = v
    case .ints(let v):
      proto.type = .ints
      proto.ints = v.map { Int64($0) }
    case .strings(let v):
      proto.type = .strings
      proto.strings = v.map { Data($0.utf8) }
    case .tensors(let v):
      proto.type = .tensors
      proto.tensors = v.map { Onnx_TensorProto($0, name: "") }
    case .graphs(let v):
      proto.type = .graphs
      proto.graphs = v.map(graph)
    }
    return proto
  }

  func valueInfo(_ info: ValueInfo) -> Onnx_ValueInfoProto {
    var proto = Onnx_ValueInfoProto()
    proto.name = info.name
    if info.elementType != nil || info.shape != nil {
      var tensorType = Onnx_TypeProto.Tensor()
      if let dtype = info.elementType { tensorType.elemType = Int32(dtype.rawValue) }
      if let shape = info.shape {
        var shapeProto = Onnx_TensorShapeProto()
        shapeProto.dim = shape.map { dimension in
          var dim = Onnx_TensorShapeProto.Dimension()
          switch dimension {
          case .fixed(let size): dim.dimValue = Int64(size)
          case .symbolic(let name): dim.dimParam = name
          case .unknown: break
          }
          return dim
        }
        tensorType.shape = shapeProto
      }
      var type = Onnx_TypeProto()
      type.tensorType = tensorType
      proto.type = type
    }
    if !info.docString.isEmpty { proto.docString = info.docString }
    proto.metadataProps = metadata(info.metadataProps)
    return proto
  }

  func metadata(_ map: OrderedMap<String, String>) -> [Onnx_StringStringEntryProto] {
    map.map { key, value in
      var entry = Onnx_StringStringEntryProto()
      entry.key = key
      entry.value = value
      return entry
    }
  }
}
