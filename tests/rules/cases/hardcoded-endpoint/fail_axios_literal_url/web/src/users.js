const axios = require("axios");

async function profile(id) {
  return axios.get("http://users:3000/users/" + id);
}
module.exports = { profile };
