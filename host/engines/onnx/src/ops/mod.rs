//! The ai.onnx.ml ops Plinth gives tract, registered in its ONNX op register (keyed by
//! op type; these replace tract's own LinearClassifier, LinearRegressor, Normalizer and
//! TreeEnsembleClassifier, whose labels and base values differ from ONNX Runtime's).
//!
//! Scaler and ZipMap are handled by the graph rewrite ([`crate::rewrite`]) instead.

pub mod elementwise;
pub mod kernel;
pub mod label_encoder;
pub mod labels;
pub mod linear;
pub mod one_hot;
pub mod post;

use tract_onnx::model::OnnxOpRegister;

/// Registers every op.
pub fn register(register: &mut OnnxOpRegister) {
    register.insert("Binarizer", elementwise::binarizer);
    register.insert("Normalizer", elementwise::normalizer);
    register.insert("OneHotEncoder", one_hot::one_hot);
    register.insert("LabelEncoder", label_encoder::label_encoder);
    register.insert("LinearClassifier", linear::classifier);
    register.insert("LinearRegressor", linear::regressor);
    register.insert("TreeEnsembleClassifier", crate::trees::classifier);
    register.insert("TreeEnsembleRegressor", crate::trees::regressor);
}
